import { expect, layer } from "@effect/vitest"
import { TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as Harness from "./identityHarness.ts"

/**
 * A deployment says how it was started: `api` for a call to the REST API, by a person or an API token alike, and
 * `cli` only when the request says it comes from the Starform CLI (`User-Agent: starform-cli/<version>`).
 */

layer(TestDatabase.layer, { timeout: 60_000 })("a deployment's trigger", (it) => {
  it.effect("an API token's deploy is an API call; the CLI's User-Agent makes it a CLI deploy", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start()
      const api = Harness.client(baseUrl)
      const owner = yield* Harness.signup(api)
      const { service, tokenSecret } = yield* Harness.deployableWorker(api, owner)
      const deploy = (bearer: string, headers: Record<string, string> = {}) =>
        Harness.request(baseUrl, "POST", `/v1/services/${service.id}/deployments`, { token: bearer, body: {}, headers })

      const byToken = yield* deploy(tokenSecret)
      expect(byToken.status).toBe(201)
      expect(byToken.body.trigger).toBe("api")

      const byPerson = yield* deploy(owner.token, { "user-agent": "curl/8.5.0" })
      expect(byPerson.body.trigger).toBe("api")

      const byCli = yield* deploy(tokenSecret, { "user-agent": "starform-cli/0.3.1 (linux; x64)" })
      expect(byCli.status).toBe(201)
      expect(byCli.body.trigger).toBe("cli")

      // a look-alike is not the CLI
      const lookalike = yield* deploy(owner.token, { "user-agent": "not-starform-cli/1.0" })
      expect(lookalike.body.trigger).toBe("api")

      const listed = yield* api.get(`/v1/services/${service.id}/deployments`, owner.token)
      expect(listed.body.map((d: { trigger: string }) => d.trigger)).toEqual(["api", "cli", "api", "api"])
    }).pipe(Effect.scoped),
  )
})
