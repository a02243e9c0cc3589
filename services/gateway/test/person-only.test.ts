import { expect, layer } from "@effect/vitest"
import { TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as Harness from "./identityHarness.ts"

/**
 * The routes of a person's own account answer an API token or a service account's token with 403 and a message
 * saying to sign in as a person: it is authenticated (not 401), it asked for nothing broken (not 500), and nothing
 * happens (sign-out with a token used to answer 204 and change nothing).
 */

/** Every route that needs a person, with a body its schema accepts. */
const personOnly: ReadonlyArray<readonly [method: string, path: string, body?: unknown]> = [
  ["GET", "/v1/me"],
  ["PATCH", "/v1/me", { name: "Robot" }],
  ["DELETE", "/v1/me", {}],
  ["POST", "/v1/auth/logout"],
  ["POST", "/v1/me/email-verification"],
  ["POST", "/v1/me/mfa/enrolment"],
  ["POST", "/v1/me/mfa/confirmation", { code: "123456" }],
  ["POST", "/v1/me/mfa/recovery-codes", { code: "123456" }],
  ["POST", "/v1/me/mfa/disable", { code: "123456" }],
  ["POST", "/v1/me/invitations/accept", { token: "an-invitation-token" }],
  ["GET", "/v1/me/export"],
  ["POST", "/v1/workspaces", { name: "Robots" }],
]

layer(TestDatabase.layer)("routes only a person can use", (it) => {
  it.effect("answer an API token and a service account's token 403 'sign in as a person', and change nothing", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start()
      const api = Harness.client(baseUrl)
      const owner = yield* Harness.signupUnverified(api)
      const workspaceId = yield* Harness.workspace(api, owner.token)
      const apiToken = yield* api.post(
        `/v1/workspaces/${workspaceId}/tokens`,
        { name: "ci", scopes: ["deploy"] },
        owner.token,
      )
      expect(apiToken.status).toBe(201)
      const robot = yield* api.post(`/v1/workspaces/${workspaceId}/service-accounts`, { name: "robot" }, owner.token)
      expect(robot.status).toBe(201)
      const robotToken = yield* api.post(
        `/v1/service-accounts/${robot.body.id}/tokens`,
        { name: "robot", scopes: ["read_only"] },
        owner.token,
      )
      expect(robotToken.status).toBe(201)

      for (const [kind, secret] of [
        ["API token", apiToken.body.secret as string],
        ["service account", robotToken.body.secret as string],
      ] as const) {
        for (const [method, path, body] of personOnly) {
          const reply = yield* Harness.request(baseUrl, method, path, {
            token: secret,
            ...(body === undefined ? {} : { body }),
          })
          expect({ kind, route: `${method} ${path}`, status: reply.status }).toEqual({
            kind,
            route: `${method} ${path}`,
            status: 403,
          })
          expect(reply.body).toMatchObject({
            code: "forbidden",
            message: expect.stringMatching(/sign in as a person/i),
          })
        }
        // signing out refused: the token still works, and says so
        const stillValid = yield* api.get(`/v1/workspaces/${workspaceId}/projects`, secret)
        expect(stillValid.status).toBe(200)
      }
      const signOut = yield* api.post("/v1/auth/logout", undefined, apiToken.body.secret)
      expect(signOut.body.message).toContain("the token stays valid until it expires or is revoked")

      // the person's own routes still work for the person
      expect((yield* api.get("/v1/me", owner.token)).status).toBe(200)
      expect((yield* api.get("/v1/me/export", owner.token)).status).toBe(200)
      expect((yield* api.post("/v1/me/email-verification", undefined, owner.token)).status).toBe(202)
      expect((yield* api.post("/v1/me/mfa/enrolment", undefined, owner.token)).status).toBe(201)
      expect((yield* api.post("/v1/auth/logout", undefined, owner.token)).status).toBe(204)
    }).pipe(Effect.scoped),
  )
})
