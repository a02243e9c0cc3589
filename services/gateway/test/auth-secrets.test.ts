import { createHmac } from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { TestDatabase } from "@starform/testkit"
import { Effect, Logger } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Harness from "./identityHarness.ts"

/** The current RFC 6238 code (6 digits, 30-second steps, HMAC-SHA1) of a base32 secret, as an authenticator app shows it. */
const totp = (secret: string) => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
  const bits = [...secret.replace(/=+$/, "")].map((c) => alphabet.indexOf(c).toString(2).padStart(5, "0")).join("")
  const key = Buffer.from(bits.match(/.{8}/g)!.map((byte) => Number.parseInt(byte, 2)))
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000)))
  const mac = createHmac("sha1", key).update(counter).digest()
  const offset = mac[mac.length - 1]! & 0xf
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0")
}

/**
 * Secrets are shown once, at creation, and never again: not in later responses, not in any log line, whatever the
 * outcome of the request.
 */
layer(TestDatabase.layer)("secrets", (it) => {
  it.effect("passwords, tokens, TOTP secrets and hashes appear in no log line and in no later response", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const capture = Logger.layer(
        [Logger.make(({ message, cause }) => lines.push(JSON.stringify([message, String(cause)])))],
        { mergeWithExisting: false },
      )
      const secrets: Array<string> = []
      const later: Array<string> = []
      yield* Effect.gen(function* () {
        const { baseUrl } = yield* Harness.start()
        const api = Harness.client(baseUrl)
        const person = yield* Harness.signup(api)
        secrets.push(Harness.password, person.token, person.refreshToken)
        const wrong = "a wrong password, also secret"
        secrets.push(wrong)
        yield* api.post("/v1/auth/login", { email: person.email, password: wrong })
        const workspaceId = yield* Harness.workspace(api, person.token)
        const token = yield* api.post(
          `/v1/workspaces/${workspaceId}/tokens`,
          { name: "ci", scopes: ["deploy"] },
          person.token,
        )
        secrets.push(token.body.secret)
        const enrolment = yield* api.post("/v1/me/mfa/enrolment", undefined, person.token)
        secrets.push(enrolment.body.secret)
        const codes = yield* api.post("/v1/me/mfa/confirmation", { code: totp(enrolment.body.secret) }, person.token)
        secrets.push(...codes.body.recoveryCodes)
        const refreshed = yield* api.post("/v1/auth/refresh", { refreshToken: person.refreshToken })
        secrets.push(refreshed.body.refreshToken, refreshed.body.accessToken)
        const sql = yield* SqlClient.SqlClient
        const [hash] = yield* sql<{ passwordHash: string }>`SELECT password_hash FROM users WHERE id = ${person.userId}`
        secrets.push(hash!.passwordHash)
        const [tokenRow] = yield* sql<{
          tokenHash: string
        }>`SELECT token_hash FROM api_tokens WHERE id = ${token.body.token.id}`
        secrets.push(tokenRow!.tokenHash)

        for (const path of [
          "/v1/me",
          "/v1/me/sessions",
          `/v1/workspaces/${workspaceId}/tokens`,
          "/v1/me/export",
          `/v1/workspaces/${workspaceId}/audit-log`,
        ]) {
          const reply = yield* api.get(path, refreshed.body.accessToken)
          expect(reply.status).toBe(200)
          later.push(JSON.stringify(reply.body))
        }
        // a spent refresh token, a forged bearer and a broken body: failures must not log what was sent either
        yield* api.post("/v1/auth/refresh", { refreshToken: person.refreshToken })
        yield* api.get("/v1/me", `${token.body.secret}x`)
        yield* api.post("/v1/auth/login", { email: person.email })
      }).pipe(Effect.provide(capture))

      expect(secrets.length).toBeGreaterThan(15)
      const everything = lines.join("\n")
      // the capture sees the services' logs: the reuse of a spent refresh token is logged (without the token)
      expect(everything).toContain("spent refresh token")
      for (const secret of secrets) expect(everything).not.toContain(secret)
      const answers = later.join("\n")
      for (const secret of secrets) expect(answers).not.toContain(secret)
    }).pipe(Effect.scoped),
  )
})
