import { Catalog, FieldCrypto } from "@starform/crypto"
import { Sql } from "@starform/db"
import { ApiErrors, IdentityMeApi } from "@starform/domain"
import { Context, Effect, Layer, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { generateSecret, generateURI, verifySync } from "otplib"
import * as Emails from "../Emails.ts"
import * as Secrets from "../Secrets.ts"
import * as Outbox from "../store/Outbox.ts"
import * as Users from "../store/Users.ts"

/**
 * TOTP two-factor sign-in (RFC 6238, 6 digits, 30-second steps, one step of clock drift either way) and its one-time
 * recovery codes. The secret is stored encrypted (`users.totp_secret_ciphertext`); MFA is on once a code from it
 * has been confirmed. A code is accepted once: each accepted one records its time step (`users.totp_last_step`) and
 * only a newer step passes after it. The only module using otplib.
 */

const recoveryCodeCount = 10

const wrongCode = ApiErrors.ValidationFailed.field(
  "code",
  "totp-code",
  "is not the current code of the authenticator app: check the phone's clock and try the next code",
)

export class Mfa extends Context.Service<
  Mfa,
  {
    readonly enrol: (userId: string) => Effect.Effect<IdentityMeApi.MfaEnrolment, ApiErrors.Conflict>
    readonly confirm: (
      userId: string,
      code: string,
    ) => Effect.Effect<IdentityMeApi.RecoveryCodes, ApiErrors.ValidationFailed | ApiErrors.Conflict>
    readonly regenerateRecoveryCodes: (
      userId: string,
      code: string,
    ) => Effect.Effect<IdentityMeApi.RecoveryCodes, ApiErrors.ValidationFailed | ApiErrors.Conflict>
    readonly disable: (
      userId: string,
      code: string,
    ) => Effect.Effect<void, ApiErrors.ValidationFailed | ApiErrors.Conflict>
    /** A second factor at sign-in: a current TOTP code, or an unused recovery code (which is then spent). */
    readonly verifySecondFactor: (userId: string, code: string) => Effect.Effect<boolean>
  }
>()("starform/identity/Mfa") {
  static readonly layer = Layer.effect(
    Mfa,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const transaction = Sql.transaction(sql)
      const users = Users.make(sql)
      const crypto = yield* FieldCrypto

      const secretOf = (ciphertext: string | null) =>
        ciphertext === null
          ? Effect.succeed(Option.none<string>())
          : crypto.decrypt(ciphertext, Catalog.userTotpSecret).pipe(Effect.orDie, Effect.map(Option.some))

      /** The time step `code` belongs to, when it is a code of `secret` within one step of now. */
      const totpStep = (secret: string, code: string): number | undefined => {
        if (!/^[0-9]{6}$/.test(code)) return undefined
        const result = verifySync({ secret, token: code, epochTolerance: 30 })
        return result.valid && "timeStep" in result ? result.timeStep : undefined
      }

      /**
       * Whether `code` is a code of `secret` newer than the last one accepted for the user; if so it is recorded as
       * accepted. The check and the record are one UPDATE, so of two concurrent uses of a code only one passes.
       */
      const acceptTotp = (userId: string, secret: string, code: string) =>
        Effect.gen(function* () {
          const step = totpStep(secret, code)
          if (step === undefined) return false
          const claimed = yield* sql`UPDATE users SET totp_last_step = ${step}
            WHERE id = ${userId} AND (totp_last_step IS NULL OR totp_last_step < ${step}) RETURNING id`
          return claimed.length > 0
        })

      const issueRecoveryCodes = (userId: string) =>
        Effect.gen(function* () {
          const [first, ...rest] = Array.from({ length: recoveryCodeCount }, Secrets.newRecoveryCode)
          const codes = [first!, ...rest] as const
          const row = (code: string) => ({ userId, codeHash: Secrets.hash(Secrets.normaliseRecoveryCode(code)) })
          yield* sql`DELETE FROM mfa_recovery_codes WHERE user_id = ${userId}`
          yield* sql`INSERT INTO mfa_recovery_codes ${sql.insert([row(codes[0]), ...rest.map(row)])}`
          return new IdentityMeApi.RecoveryCodes({ recoveryCodes: codes })
        })

      const credentials = (userId: string) =>
        users.credentialsById(userId).pipe(
          Effect.flatMap(
            Option.match({
              onNone: () => Effect.die(new Error(`user ${userId} vanished mid-request`)),
              onSome: Effect.succeed,
            }),
          ),
        )

      /** The enabled secret, checked against `code`: the precondition of changing MFA settings. */
      const requireEnabled = (userId: string, code: string) =>
        Effect.gen(function* () {
          const user = yield* credentials(userId)
          if (user.mfaEnabledAt === null) {
            return yield* new ApiErrors.Conflict({ message: "Two-factor sign-in is not on for this account." })
          }
          const secret = yield* secretOf(user.totpSecretCiphertext)
          if (Option.isNone(secret) || !(yield* acceptTotp(userId, secret.value, code))) return yield* wrongCode
        })

      const enrol = Effect.fn("Mfa.enrol")(function* (userId: string) {
        const user = yield* credentials(userId)
        if (user.mfaEnabledAt !== null) {
          return yield* new ApiErrors.Conflict({
            message: "Two-factor sign-in is already on: turn it off first to enrol a new authenticator.",
          })
        }
        const secret = generateSecret()
        const ciphertext = yield* crypto.encrypt(secret, Catalog.userTotpSecret)
        yield* sql`UPDATE users SET totp_secret_ciphertext = ${ciphertext} WHERE id = ${userId}`
        return new IdentityMeApi.MfaEnrolment({
          secret,
          otpauthUri: generateURI({ issuer: "Starform", label: user.email, secret }),
        })
      })

      const confirm = Effect.fn("Mfa.confirm")(function* (userId: string, code: string) {
        const user = yield* credentials(userId)
        if (user.mfaEnabledAt !== null) {
          return yield* new ApiErrors.Conflict({ message: "Two-factor sign-in is already on." })
        }
        const secret = yield* secretOf(user.totpSecretCiphertext)
        if (Option.isNone(secret)) {
          return yield* new ApiErrors.Conflict({
            message: "There is no enrolment to confirm: start with POST /v1/me/mfa/enrolment.",
          })
        }
        if (!(yield* acceptTotp(userId, secret.value, code))) return yield* wrongCode
        return yield* transaction(
          Effect.gen(function* () {
            yield* sql`UPDATE users SET mfa_enabled_at = now() WHERE id = ${userId}`
            yield* Outbox.enqueue(sql, user.email, Emails.mfaEnabled(), userId)
            return yield* issueRecoveryCodes(userId)
          }),
        )
      })

      const regenerateRecoveryCodes = Effect.fn("Mfa.regenerateRecoveryCodes")(function* (
        userId: string,
        code: string,
      ) {
        yield* requireEnabled(userId, code)
        return yield* transaction(issueRecoveryCodes(userId))
      })

      const disable = Effect.fn("Mfa.disable")(function* (userId: string, code: string) {
        yield* requireEnabled(userId, code)
        yield* transaction(
          Effect.gen(function* () {
            yield* sql`UPDATE users SET mfa_enabled_at = NULL, totp_secret_ciphertext = NULL WHERE id = ${userId}`
            yield* sql`DELETE FROM mfa_recovery_codes WHERE user_id = ${userId}`
          }),
        )
      })

      const verifySecondFactor = Effect.fn("Mfa.verifySecondFactor")(function* (userId: string, code: string) {
        const user = yield* credentials(userId)
        const secret = yield* secretOf(user.totpSecretCiphertext)
        if (Option.isSome(secret) && (yield* acceptTotp(userId, secret.value, code.trim()))) return true
        const spent = yield* sql`UPDATE mfa_recovery_codes SET used_at = now()
          WHERE user_id = ${userId} AND code_hash = ${Secrets.hash(Secrets.normaliseRecoveryCode(code))}
            AND used_at IS NULL RETURNING user_id`
        return spent.length > 0
      })

      return Mfa.of(Sql.edge({ enrol, confirm, regenerateRecoveryCodes, disable, verifySecondFactor }))
    }),
  )
}
