import { Sql } from "@starform/db"
import { ApiErrors, type Identity, IdentityAuthApi, type IdentityRpc, Ids } from "@starform/domain"
import { Context, Duration, Effect, Layer, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Emails from "../Emails.ts"
import { IdentityConfig } from "../IdentityConfig.ts"
import { Passwords } from "../Passwords.ts"
import * as Outbox from "../store/Outbox.ts"
import { Sessions } from "../store/Sessions.ts"
import * as Users from "../store/Users.ts"
import * as UserTokens from "../store/UserTokens.ts"
import { Mfa } from "./Mfa.ts"

/** Accounts: sign-up, sign-in (with its second factor), email verification and password reset. */

const maxChallengeAttempts = 5

const wrongCredentials = new ApiErrors.Unauthenticated({ message: "The email address or password is wrong." })

export class Accounts extends Context.Service<
  Accounts,
  {
    readonly signup: (
      request: IdentityAuthApi.SignupRequest,
      client: IdentityRpc.ClientInfo,
    ) => Effect.Effect<IdentityAuthApi.SignedIn, ApiErrors.Conflict>
    readonly login: (
      email: string,
      password: string,
      client: IdentityRpc.ClientInfo,
    ) => Effect.Effect<IdentityAuthApi.SignedIn | IdentityAuthApi.MfaRequired, ApiErrors.Unauthenticated>
    readonly completeMfa: (
      challengeToken: string,
      code: string,
      client: IdentityRpc.ClientInfo,
    ) => Effect.Effect<IdentityAuthApi.SignedIn, ApiErrors.Unauthenticated>
    /** Signs in someone already proven (an SSO callback): a new session for `userId`. */
    readonly signIn: (userId: string, client: IdentityRpc.ClientInfo) => Effect.Effect<IdentityAuthApi.SignedIn>
    readonly me: (userId: string) => Effect.Effect<Identity.User, ApiErrors.Unauthenticated>
    readonly rename: (userId: string, name: string) => Effect.Effect<Identity.User, ApiErrors.Unauthenticated>
    readonly verifyEmail: (token: string) => Effect.Effect<void, ApiErrors.ValidationFailed>
    readonly resendVerification: (userId: string) => Effect.Effect<void, ApiErrors.Conflict>
    readonly requestPasswordReset: (email: string) => Effect.Effect<void>
    readonly resetPassword: (token: string, password: string) => Effect.Effect<void, ApiErrors.ValidationFailed>
  }
>()("starform/identity/Accounts") {
  static readonly layer = Layer.effect(
    Accounts,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const transaction = Sql.transaction(sql)
      const users = Users.make(sql)
      const userTokens = UserTokens.make(sql)
      const config = yield* IdentityConfig
      const passwords = yield* Passwords
      const sessions = yield* Sessions
      const mfa = yield* Mfa

      const userOf = (userId: string) =>
        users.byId(userId).pipe(
          Effect.flatMap(
            Option.match({
              onNone: () => Effect.die(new Error(`user ${userId} vanished mid-sign-in`)),
              onSome: Effect.succeed,
            }),
          ),
        )

      const signIn = Effect.fn("Accounts.signIn")(function* (userId: string, client: IdentityRpc.ClientInfo) {
        const tokens = yield* sessions.start(userId, client)
        return new IdentityAuthApi.SignedIn({ status: "signed_in", user: yield* userOf(userId), tokens })
      })

      const signup = Effect.fn("Accounts.signup")(function* (
        request: IdentityAuthApi.SignupRequest,
        client: IdentityRpc.ClientInfo,
      ) {
        const passwordHash = yield* passwords.hash(request.password)
        const userId = Ids.newId("user")
        yield* sql
          .withTransaction(
            Effect.gen(function* () {
              yield* sql`INSERT INTO users ${sql.insert({
                id: userId,
                email: request.email,
                name: request.name ?? "",
                passwordHash,
              })}`
              const token = yield* userTokens.issue(userId, "verify_email", config.emailVerificationLifetime)
              yield* Outbox.enqueue(sql, request.email, Emails.verifyEmail(config.publicUrl, token), userId)
            }),
          )
          .pipe(
            Sql.refusedBy({
              users_email_unique: () =>
                new ApiErrors.Conflict({
                  message: "An account with this email address already exists: sign in, or reset its password.",
                  field: "email",
                }),
            }),
          )
        return yield* signIn(userId, client)
      })

      const login = Effect.fn("Accounts.login")(function* (
        email: string,
        password: string,
        client: IdentityRpc.ClientInfo,
      ) {
        const found = yield* users.credentialsByEmail(email)
        const hashed = Option.match(found, { onNone: () => null, onSome: (user) => user.passwordHash })
        const ok = yield* passwords.verify(hashed, password)
        if (!ok || Option.isNone(found)) return yield* wrongCredentials
        const user = found.value
        if (user.mfaEnabledAt !== null) {
          const challengeToken = yield* userTokens.issue(user.id, "mfa_challenge", config.mfaChallengeLifetime)
          return new IdentityAuthApi.MfaRequired({
            status: "mfa_required",
            challengeToken,
            expiresIn: Math.round(Duration.toSeconds(config.mfaChallengeLifetime)),
          })
        }
        return yield* signIn(user.id, client)
      })

      const completeMfa = Effect.fn("Accounts.completeMfa")(function* (
        challengeToken: string,
        code: string,
        client: IdentityRpc.ClientInfo,
      ) {
        const userId = yield* userTokens.peek(challengeToken, "mfa_challenge")
        if (userId === undefined) {
          return yield* new ApiErrors.Unauthenticated({
            message: "This sign-in challenge has expired or was already used: sign in with your password again.",
          })
        }
        if (!(yield* mfa.verifySecondFactor(userId, code))) {
          yield* userTokens.strike(challengeToken, maxChallengeAttempts)
          return yield* new ApiErrors.Unauthenticated({
            message: "The code is wrong: enter the current code from the authenticator app, or a recovery code.",
          })
        }
        const spent = yield* userTokens.spend(challengeToken, "mfa_challenge")
        if (spent === undefined) {
          return yield* new ApiErrors.Unauthenticated({ message: "This sign-in challenge was already used." })
        }
        return yield* signIn(userId, client)
      })

      const gone = new ApiErrors.Unauthenticated({ message: "This account no longer exists: sign in again." })

      const me = Effect.fn("Accounts.me")(function* (userId: string) {
        const user = yield* users.byId(userId)
        if (Option.isNone(user)) return yield* gone
        return user.value
      })

      const rename = Effect.fn("Accounts.rename")(function* (userId: string, name: string) {
        const rows = yield* sql`UPDATE users SET name = ${name} WHERE id = ${userId} AND status = 'active'
          RETURNING id`
        if (rows.length === 0) return yield* gone
        return yield* me(userId)
      })

      const invalidLink = (what: string) =>
        ApiErrors.ValidationFailed.field(
          "token",
          "live-token",
          `is not a valid ${what} token: it may have expired or been used already, so ask for a new email`,
        )

      const verifyEmail = Effect.fn("Accounts.verifyEmail")(function* (token: string) {
        const userId = yield* userTokens.spend(token, "verify_email")
        if (userId === undefined) return yield* invalidLink("email verification")
        yield* sql`UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = ${userId}`
      })

      const resendVerification = Effect.fn("Accounts.resendVerification")(function* (userId: string) {
        const user = yield* userOf(userId)
        if (user.emailVerifiedAt !== null) {
          return yield* new ApiErrors.Conflict({ message: "This email address is already verified." })
        }
        yield* transaction(
          Effect.gen(function* () {
            yield* userTokens.spendAll(userId, "verify_email")
            const token = yield* userTokens.issue(userId, "verify_email", config.emailVerificationLifetime)
            yield* Outbox.enqueue(sql, user.email, Emails.verifyEmail(config.publicUrl, token), userId)
          }),
        )
      })

      const requestPasswordReset = Effect.fn("Accounts.requestPasswordReset")(function* (email: string) {
        const found = yield* users.credentialsByEmail(email)
        if (Option.isNone(found)) return
        const user = found.value
        yield* transaction(
          Effect.gen(function* () {
            const token = yield* userTokens.issue(user.id, "reset_password", config.passwordResetLifetime)
            yield* Outbox.enqueue(sql, user.email, Emails.resetPassword(config.publicUrl, token), user.id)
          }),
        )
      })

      const resetPassword = Effect.fn("Accounts.resetPassword")(function* (token: string, password: string) {
        const passwordHash = yield* passwords.hash(password)
        const userId = yield* transaction(
          Effect.gen(function* () {
            const userId = yield* userTokens.spend(token, "reset_password")
            if (userId === undefined) return undefined
            const rows = yield* sql<{ email: string }>`UPDATE users SET password_hash = ${passwordHash}
                WHERE id = ${userId} RETURNING email`
            yield* userTokens.spendAll(userId, "reset_password")
            yield* Outbox.enqueue(sql, rows[0]!.email, Emails.passwordChanged(), userId)
            return userId
          }),
        )
        if (userId === undefined) return yield* invalidLink("password reset")
        yield* sessions.revokeAll(userId, "password reset")
      })

      return Accounts.of(
        Sql.edge({
          signup,
          login,
          completeMfa,
          signIn,
          me,
          rename,
          verifyEmail,
          resendVerification,
          requestPasswordReset,
          resetPassword,
        }),
      )
    }),
  )
}
