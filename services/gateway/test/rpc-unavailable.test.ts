import { describe, expect, it } from "@effect/vitest"
import { Ids, VariablesApi } from "@starform/domain"
import { Cause, Effect, Exit, Schema } from "effect"
import * as ProjectsClient from "../src/projects/ProjectsClient.ts"

describe("a Starbase service that does not answer", () => {
  it.live("is a defect naming the service, and the request's secrets are not kept in it", () =>
    Effect.gen(function* () {
      const secret = "sk_live_do_not_log_me"
      const exit = yield* Effect.exit(
        ProjectsClient.call(
          ProjectsClient.ProjectsClient.use((client) =>
            client.SetServiceVariables({
              serviceId: Ids.newId("service"),
              variables: Schema.decodeUnknownSync(VariablesApi.VariableMap)({ STRIPE_KEY: secret }),
            }),
          ),
        ).pipe(Effect.provide(ProjectsClient.ProjectsClient.layer("http://127.0.0.1:1")), Effect.scoped),
      )
      expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
      const printed = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
      expect(printed).toContain("the projects service did not answer")
      expect(printed).not.toContain(secret)
    }),
  )
})
