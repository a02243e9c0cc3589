import { expect, layer } from "@effect/vitest"
import { TestDatabase } from "@starform/testkit"
import { Duration, Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Harness from "./identityHarness.ts"

/** Device-code sign-in (RFC 8628) through the gateway, as the CLI uses it. */

const poll = (api: Harness.Client, deviceCode: string) => api.post("/v1/auth/device/token", { device_code: deviceCode })

layer(TestDatabase.layer, { excludeTestServices: true })("device-code sign-in", (it) => {
  it.effect("a device is signed in once a person approves its code, exactly once", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start({ identity: { deviceCodeInterval: Duration.seconds(1) } })
      const api = Harness.client(baseUrl)
      const ada = yield* Harness.signup(api)

      const started = yield* api.post("/v1/auth/device/code", { client_name: "starform CLI" })
      expect(started.status).toBe(200)
      expect(started.body).toMatchObject({ interval: 1, expires_in: 600 })
      expect(started.body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
      expect(started.body.verification_uri).toMatch(/\/device$/)
      expect(started.body.verification_uri_complete).toBe(
        `${started.body.verification_uri}?user_code=${started.body.user_code}`,
      )

      const pending = yield* poll(api, started.body.device_code)
      expect(pending.status).toBe(400)
      expect(pending.body).toEqual({ error: "authorization_pending", error_description: expect.any(String) })

      // Only a hash of either code is stored.
      const sql = yield* SqlClient.SqlClient
      const stored = yield* sql<{ deviceCodeHash: string; userCodeHash: string }>`SELECT device_code_hash,
        user_code_hash FROM device_codes`.pipe(Effect.orDie)
      expect(JSON.stringify(stored)).not.toContain(started.body.device_code)
      expect(JSON.stringify(stored)).not.toContain(started.body.user_code.replace("-", ""))

      const anonymous = yield* api.post("/v1/auth/device/approve", { user_code: started.body.user_code })
      expect(anonymous.status).toBe(401)

      // The approval page shows what asks before the person approves it.
      const described = yield* api.post("/v1/auth/device/lookup", { user_code: started.body.user_code }, ada.token)
      expect(described.status).toBe(200)
      expect(described.body).toMatchObject({ clientName: "starform CLI", ip: expect.any(String) })
      expect(Date.parse(described.body.expiresAt)).toBeGreaterThan(Date.now())

      // Typed as people type it: lower case, no dash.
      const typed = started.body.user_code.toLowerCase().replace("-", "")
      const approved = yield* api.post("/v1/auth/device/approve", { user_code: typed }, ada.token)
      expect(approved.status).toBe(200)
      expect(approved.body).toEqual({ status: "approved", clientName: "starform CLI" })

      yield* Effect.sleep("1100 millis")
      const signedIn = yield* poll(api, started.body.device_code)
      expect(signedIn.status).toBe(200)
      expect(signedIn.body).toMatchObject({ tokenType: "Bearer", expiresIn: 900 })
      const me = yield* api.get("/v1/me", signedIn.body.accessToken)
      expect(me.body).toMatchObject({ id: ada.userId })

      yield* Effect.sleep("1100 millis")
      const again = yield* poll(api, started.body.device_code)
      expect(again.status).toBe(400)
      expect(again.body.error).toBe("invalid_grant")
      const reapproved = yield* api.post("/v1/auth/device/approve", { user_code: typed }, ada.token)
      expect(reapproved.status).toBe(404)
      expect((yield* api.post("/v1/auth/device/lookup", { user_code: typed }, ada.token)).status).toBe(404)

      // Its session is an ordinary one: signing out ends it.
      const out = yield* api.post("/v1/auth/logout", undefined, signedIn.body.accessToken)
      expect(out.status).toBe(204)
      const refreshed = yield* api.post("/v1/auth/refresh", { refreshToken: signedIn.body.refreshToken })
      expect(refreshed.status).toBe(401)
    }).pipe(Effect.scoped),
  )

  it.effect("polling faster than the interval answers slow_down with a wider interval", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start({ identity: { deviceCodeInterval: Duration.seconds(2) } })
      const api = Harness.client(baseUrl)
      const started = yield* api.post("/v1/auth/device/code", {})
      const first = yield* poll(api, started.body.device_code)
      expect(first.body.error).toBe("authorization_pending")
      const hasty = yield* poll(api, started.body.device_code)
      expect(hasty.status).toBe(400)
      expect(hasty.body).toMatchObject({ error: "slow_down", interval: 7 })
    }).pipe(Effect.scoped),
  )

  it.effect("a denied code answers access_denied; an expired one expired_token; an unknown one invalid_grant", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start({
        identity: { deviceCodeInterval: Duration.seconds(1), deviceCodeLifetime: Duration.seconds(1) },
      })
      const api = Harness.client(baseUrl)
      const ada = yield* Harness.signup(api)

      const denied = yield* api.post("/v1/auth/device/code", {})
      const refusal = yield* api.post("/v1/auth/device/deny", { user_code: denied.body.user_code }, ada.token)
      expect(refusal.body).toEqual({ status: "denied", clientName: null })
      const answer = yield* poll(api, denied.body.device_code)
      expect(answer.body.error).toBe("access_denied")

      const late = yield* api.post("/v1/auth/device/code", {})
      yield* Effect.sleep("1200 millis")
      const tooLate = yield* poll(api, late.body.device_code)
      expect(tooLate.body.error).toBe("expired_token")
      const lateApproval = yield* api.post("/v1/auth/device/approve", { user_code: late.body.user_code }, ada.token)
      expect(lateApproval.status).toBe(404)
      expect(lateApproval.body.code).toBe("not_found")

      const unknown = yield* poll(api, "sfd_not-a-code")
      expect(unknown.status).toBe(400)
      expect(unknown.body.error).toBe("invalid_grant")

      const malformed = yield* api.post("/v1/auth/device/approve", { user_code: "12" }, ada.token)
      expect(malformed.status).toBe(400)
      expect(malformed.body).toMatchObject({ code: "validation_failed", field: "user_code" })
    }).pipe(Effect.scoped),
  )

  it.effect("an API token cannot approve a device: only a person can", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start()
      const api = Harness.client(baseUrl)
      const ada = yield* Harness.signup(api)
      const workspaceId = yield* Harness.workspace(api, ada.token)
      const token = yield* api.post(
        `/v1/workspaces/${workspaceId}/tokens`,
        { name: "ci", scopes: ["read_only"] },
        ada.token,
      )
      expect(token.status).toBe(201)
      const started = yield* api.post("/v1/auth/device/code", {})
      const approved = yield* api.post(
        "/v1/auth/device/approve",
        { user_code: started.body.user_code },
        token.body.secret,
      )
      expect(approved.status).toBe(403)
      expect(approved.body.message).toMatch(/sign in as a person/i)
      const answer = yield* poll(api, started.body.device_code)
      expect(answer.body.error).toBe("authorization_pending")
    }).pipe(Effect.scoped),
  )

  // Last in this file: the budget it sets is read by every gateway started on this database after it.
  it.effect("polling draws on a per-address budget, so device codes cannot be guessed at speed", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start({ budgets: { api: { capacity: 3, refillPerMinute: 3 } } })
      const api = Harness.client(baseUrl)
      const answers = []
      for (let guess = 0; guess < 4; guess++) answers.push(yield* poll(api, `sfd_guess-${guess}`))
      expect(answers.slice(0, 3).map((answer) => answer.body.error)).toEqual([
        "invalid_grant",
        "invalid_grant",
        "invalid_grant",
      ])
      expect(answers[3]?.status).toBe(429)
      expect(answers[3]?.body.code).toBe("rate_limited")
    }).pipe(Effect.scoped),
  )
})
