import type { Identity } from "@starform/domain"
import { Duration, Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Secrets from "../Secrets.ts"

/** Single-use tokens for email links and MFA challenges (`user_tokens`): issued here, spent once, then dead. */

export const issue = Effect.fn("UserTokens.issue")(function* (
  userId: string,
  purpose: Identity.UserTokenPurpose,
  lifetime: Duration.Duration,
) {
  const sql = yield* SqlClient.SqlClient
  const token = Secrets.newOpaqueToken(purpose === "mfa_challenge" ? "sfm" : "sfe")
  yield* sql`INSERT INTO user_tokens ${sql.insert({
    tokenHash: Secrets.hash(token),
    userId,
    purpose,
    expiresAt: new Date(Date.now() + Duration.toMillis(lifetime)),
  })}`.pipe(Effect.orDie)
  return token
})

/** Spends a live token: the user it was for, or nothing when it is unknown, spent, expired or for another purpose. */
export const spend = Effect.fn("UserTokens.spend")(function* (token: string, purpose: Identity.UserTokenPurpose) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ userId: string }>`UPDATE user_tokens SET used_at = now()
    WHERE token_hash = ${Secrets.hash(token)} AND purpose = ${purpose} AND used_at IS NULL AND expires_at > now()
    RETURNING user_id`.pipe(Effect.orDie)
  return rows[0]?.userId
})

/** The user a live token is for, without spending it (an MFA challenge is spent only by a right code). */
export const peek = Effect.fn("UserTokens.peek")(function* (token: string, purpose: Identity.UserTokenPurpose) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ userId: string }>`SELECT user_id FROM user_tokens
    WHERE token_hash = ${Secrets.hash(token)} AND purpose = ${purpose} AND used_at IS NULL AND expires_at > now()`.pipe(
    Effect.orDie,
  )
  return rows[0]?.userId
})

/** Counts a wrong answer against a challenge; the fifth kills it. */
export const strike = Effect.fn("UserTokens.strike")(function* (token: string, maxAttempts: number) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`UPDATE user_tokens SET attempts = attempts + 1,
      used_at = CASE WHEN attempts + 1 >= ${maxAttempts} THEN now() ELSE used_at END
    WHERE token_hash = ${Secrets.hash(token)}`.pipe(Effect.orDie)
})

/** Kills every live token of a purpose, e.g. older reset links once the password has changed. */
export const spendAll = Effect.fn("UserTokens.spendAll")(function* (
  userId: string,
  purpose: Identity.UserTokenPurpose,
) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`UPDATE user_tokens SET used_at = now()
    WHERE user_id = ${userId} AND purpose = ${purpose} AND used_at IS NULL`.pipe(Effect.orDie)
})
