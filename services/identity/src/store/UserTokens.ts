import type { Identity } from "@starform/domain"
import { Duration, Effect } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import * as Secrets from "../Secrets.ts"

/**
 * Single-use tokens for email links and MFA challenges (`user_tokens`): issued here, spent once, then dead. Made with
 * the repository's `sql`, so they run inside its transactions.
 */
export const make = (sql: SqlClient.SqlClient) => ({
  issue: Effect.fn("UserTokens.issue")(function* (
    userId: string,
    purpose: Identity.UserTokenPurpose,
    lifetime: Duration.Duration,
  ) {
    const token = Secrets.newOpaqueToken(purpose === "mfa_challenge" ? "sfm" : "sfe")
    yield* sql`INSERT INTO user_tokens ${sql.insert({
      tokenHash: Secrets.hash(token),
      userId,
      purpose,
      expiresAt: new Date(Date.now() + Duration.toMillis(lifetime)),
    })}`
    return token
  }),

  /** Spends a live token: the user it was for, or nothing when it is unknown, spent, expired or for another purpose. */
  spend: Effect.fn("UserTokens.spend")(function* (token: string, purpose: Identity.UserTokenPurpose) {
    const rows = yield* sql<{ userId: string }>`UPDATE user_tokens SET used_at = now()
      WHERE token_hash = ${Secrets.hash(token)} AND purpose = ${purpose} AND used_at IS NULL AND expires_at > now()
      RETURNING user_id`
    return rows[0]?.userId
  }),

  /** The user a live token is for, without spending it (an MFA challenge is spent only by a right code). */
  peek: Effect.fn("UserTokens.peek")(function* (token: string, purpose: Identity.UserTokenPurpose) {
    const rows = yield* sql<{ userId: string }>`SELECT user_id FROM user_tokens
      WHERE token_hash = ${Secrets.hash(token)} AND purpose = ${purpose} AND used_at IS NULL AND expires_at > now()`
    return rows[0]?.userId
  }),

  /** Counts a wrong answer against a challenge; the fifth kills it. */
  strike: (token: string, maxAttempts: number) =>
    sql`UPDATE user_tokens SET attempts = attempts + 1,
        used_at = CASE WHEN attempts + 1 >= ${maxAttempts} THEN now() ELSE used_at END
      WHERE token_hash = ${Secrets.hash(token)}`.pipe(Effect.asVoid),

  /** Kills every live token of a purpose, e.g. older reset links once the password has changed. */
  spendAll: (userId: string, purpose: Identity.UserTokenPurpose) =>
    sql`UPDATE user_tokens SET used_at = now()
      WHERE user_id = ${userId} AND purpose = ${purpose} AND used_at IS NULL`.pipe(Effect.asVoid),
})
