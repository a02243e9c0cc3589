import { expect, layer } from "@effect/vitest"
import { IdentityAuthApi } from "@starform/domain"
import { Effect, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { generateSync } from "otplib"
import { clientInfo, email, failure, Identity, layer as identityLayer, lastEmail, password, signup } from "./support.ts"

/** The code of `secret` `offset` 30-second steps from `at` (ms), as an app whose clock is that far off shows it. */
const codeAt = (secret: string, at: number, offset = 0) =>
  generateSync({ secret, epoch: Math.floor(at / 1000) + offset * 30 })

/** Now, once at least 5 seconds of the current step are left, so that a test's codes stay within a step of the server's. */
const freshStep = Effect.promise(async () => {
  const left = 30_000 - (Date.now() % 30_000)
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 50))
  return Date.now()
})

layer(identityLayer())("accounts", (it) => {
  it.effect(
    "sign-up stores an argon2id hash, never the password, and queues a verification email that works once",
    () =>
      Effect.gen(function* () {
        const identity = yield* Identity
        const sql = yield* SqlClient.SqlClient
        const person = yield* signup()
        expect(person.user.emailVerifiedAt).toBeNull()
        const [stored] = yield* sql<{
          passwordHash: string
        }>`SELECT password_hash FROM users WHERE id = ${person.user.id}`
        expect(stored!.passwordHash).toMatch(/^\$argon2id\$/)
        expect(stored!.passwordHash).not.toContain(password)

        const mail = yield* lastEmail(person.email, "verify_email")
        expect(mail.subject).toContain("Confirm your email")
        yield* identity.VerifyEmail({ token: mail.token! })
        expect((yield* identity.GetMe({ actor: person.actor })).emailVerifiedAt).not.toBeNull()
        const again = yield* failure(identity.VerifyEmail({ token: mail.token! }))
        expect(again).toMatchObject({ code: "validation_failed", field: "token", rule: "live-token" })
      }),
  )

  it.effect("a second account on the same address, in any case, is a conflict on email", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const person = yield* signup()
      const request = Schema.decodeUnknownSync(IdentityAuthApi.SignupRequest)({
        email: person.email.toUpperCase(),
        password,
        name: "Copy",
      })
      const conflict = yield* failure(identity.Signup({ request, client: clientInfo }))
      expect(conflict).toMatchObject({ code: "conflict", field: "email" })
    }),
  )

  it.effect("sign-in refuses a wrong password and an unknown address with the same words", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const person = yield* signup()
      const wrong = yield* failure(
        identity.Login({ email: person.email, password: "nope nope nope", client: clientInfo }),
      )
      const unknown = yield* failure(identity.Login({ email: email(), password, client: clientInfo }))
      expect(wrong).toMatchObject({ code: "unauthenticated" })
      expect(unknown.message).toBe(wrong.message)
      const ok = yield* identity.Login({ email: ` ${person.email.toUpperCase()} `, password, client: clientInfo })
      expect(ok.status).toBe("signed_in")
    }),
  )

  it.effect("a password reset link works once, signs every session out, and an expired one is refused", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const sql = yield* SqlClient.SqlClient
      const person = yield* signup()
      yield* identity.RequestPasswordReset({ email: person.email as never })
      const mail = yield* lastEmail(person.email, "reset_password")
      const newPassword = "a much better passphrase"
      yield* identity.ResetPassword({ token: mail.token!, password: newPassword })
      const reused = yield* failure(identity.ResetPassword({ token: mail.token!, password: "yet another one!" }))
      expect(reused).toMatchObject({ code: "validation_failed", field: "token" })
      // the old session's refresh token is dead, the old password too
      const refresh = yield* failure(identity.Refresh({ refreshToken: person.tokens.refreshToken, client: clientInfo }))
      expect(refresh.code).toBe("unauthenticated")
      expect((yield* failure(identity.Login({ email: person.email, password, client: clientInfo }))).code).toBe(
        "unauthenticated",
      )
      expect((yield* identity.Login({ email: person.email, password: newPassword, client: clientInfo })).status).toBe(
        "signed_in",
      )

      yield* identity.RequestPasswordReset({ email: person.email as never })
      const late = yield* lastEmail(person.email, "reset_password")
      yield* sql`UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'reset_password'`
      expect((yield* failure(identity.ResetPassword({ token: late.token!, password: newPassword }))).code).toBe(
        "validation_failed",
      )
    }),
  )

  it.effect("asking to reset an unknown address answers the same and sends nothing", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const sql = yield* SqlClient.SqlClient
      const nobody = email("nobody")
      yield* identity.RequestPasswordReset({ email: nobody as never })
      const rows = yield* sql`SELECT 1 FROM email_outbox WHERE to_address = ${nobody}`
      expect(rows).toHaveLength(0)
    }),
  )

  it.effect(
    "TOTP: enrolment is confirmed by a code, sign-in then needs a second factor, recovery codes work once",
    () =>
      Effect.gen(function* () {
        const identity = yield* Identity
        const sql = yield* SqlClient.SqlClient
        const person = yield* signup()
        const enrolment = yield* identity.EnrolMfa({ actor: person.actor })
        const at = yield* freshStep
        const [row] = yield* sql<{ secret: string }>`SELECT totp_secret_ciphertext AS secret FROM users
        WHERE id = ${person.user.id}`
        expect(row!.secret).toMatch(/^enc:v1:/)
        expect(row!.secret).not.toContain(enrolment.secret)

        const wrong = yield* failure(identity.ConfirmMfa({ actor: person.actor, code: "000000" }))
        expect(wrong).toMatchObject({ code: "validation_failed", field: "code", rule: "totp-code" })
        const { recoveryCodes } = yield* identity.ConfirmMfa({
          actor: person.actor,
          code: codeAt(enrolment.secret, at),
        })
        expect(recoveryCodes).toHaveLength(10)

        const challenge = yield* identity.Login({ email: person.email, password, client: clientInfo })
        expect(challenge.status).toBe("mfa_required")
        if (challenge.status !== "mfa_required") return
        const bad = yield* failure(
          identity.CompleteMfa({ challengeToken: challenge.challengeToken, code: "123456", client: clientInfo }),
        )
        expect(bad.code).toBe("unauthenticated")
        const signedIn = yield* identity.CompleteMfa({
          challengeToken: challenge.challengeToken,
          code: codeAt(enrolment.secret, at, 1),
          client: clientInfo,
        })
        expect(signedIn.user.mfaEnabledAt).not.toBeNull()
        // the challenge is spent
        expect(
          (yield* failure(
            identity.CompleteMfa({
              challengeToken: challenge.challengeToken,
              code: recoveryCodes[0]!,
              client: clientInfo,
            }),
          )).code,
        ).toBe("unauthenticated")

        const useRecovery = Effect.gen(function* () {
          const next = yield* identity.Login({ email: person.email, password, client: clientInfo })
          if (next.status !== "mfa_required") throw new Error("expected a challenge")
          return yield* Effect.result(
            identity.CompleteMfa({
              challengeToken: next.challengeToken,
              code: recoveryCodes[0]!.toUpperCase(),
              client: clientInfo,
            }),
          )
        })
        expect((yield* useRecovery)._tag).toBe("Success")
        expect((yield* useRecovery)._tag).toBe("Failure")
      }),
  )

  it.effect("TOTP: a code is accepted once, even twice at the same moment; a code of a later step still works", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const person = yield* signup()
      const { secret } = yield* identity.EnrolMfa({ actor: person.actor })
      const at = yield* freshStep
      yield* identity.ConfirmMfa({ actor: person.actor, code: codeAt(secret, at, -1) })
      const challenge = Effect.gen(function* () {
        const started = yield* identity.Login({ email: person.email, password, client: clientInfo })
        if (started.status !== "mfa_required") throw new Error("expected a challenge")
        return started.challengeToken
      })
      const complete = (challengeToken: string, code: string) =>
        identity.CompleteMfa({ challengeToken, code, client: clientInfo })

      const wrong = yield* failure(complete(yield* challenge, "123456"))
      expect(wrong.code).toBe("unauthenticated")
      // the code that confirmed the enrolment is spent
      expect(yield* failure(complete(yield* challenge, codeAt(secret, at, -1)))).toEqual(wrong)

      // one code, two sign-ins at once: exactly one gets in, the other is told what a wrong code is told
      const [first, second] = [yield* challenge, yield* challenge]
      const both = yield* Effect.all(
        [Effect.result(complete(first, codeAt(secret, at))), Effect.result(complete(second, codeAt(secret, at)))],
        { concurrency: 2 },
      )
      const passed = both.filter((result) => result._tag === "Success")
      expect(passed).toHaveLength(1)
      expect(passed[0]!.success.user.id).toBe(person.user.id)
      expect(both.find((result) => result._tag === "Failure")!.failure).toEqual(wrong)

      // the same code again, later: refused like a wrong code
      expect(yield* failure(complete(yield* challenge, codeAt(secret, at)))).toEqual(wrong)
      const next = yield* complete(yield* challenge, codeAt(secret, at, 1))
      expect(next.user.id).toBe(person.user.id)

      // changing MFA settings takes a fresh code too
      const wrongForDisable = yield* failure(identity.DisableMfa({ actor: person.actor, code: "123456" }))
      expect(wrongForDisable).toMatchObject({ code: "validation_failed", field: "code", rule: "totp-code" })
      expect(yield* failure(identity.DisableMfa({ actor: person.actor, code: codeAt(secret, at, 1) }))).toEqual(
        wrongForDisable,
      )
      expect((yield* identity.GetMe({ actor: person.actor })).mfaEnabledAt).not.toBeNull()
    }),
  )

  it.effect("an MFA challenge dies after five wrong codes", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const person = yield* signup()
      const enrolment = yield* identity.EnrolMfa({ actor: person.actor })
      yield* identity.ConfirmMfa({ actor: person.actor, code: generateSync({ secret: enrolment.secret }) })
      const challenge = yield* identity.Login({ email: person.email, password, client: clientInfo })
      if (challenge.status !== "mfa_required") throw new Error("expected a challenge")
      for (let i = 0; i < 5; i++) {
        yield* failure(
          identity.CompleteMfa({ challengeToken: challenge.challengeToken, code: "999999", client: clientInfo }),
        )
      }
      const dead = yield* failure(
        identity.CompleteMfa({
          challengeToken: challenge.challengeToken,
          code: generateSync({ secret: enrolment.secret }),
          client: clientInfo,
        }),
      )
      expect(dead.message).toContain("expired or was already used")
    }),
  )
})
