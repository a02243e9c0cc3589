import { Identity } from "@starform/domain"
import { Effect, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { decodeRow } from "./Sql.ts"

/** The `users` table. `password_hash` and `totp_secret_ciphertext` are read only by the functions that need them. */

const columns = "id, email, name, email_verified_at, mfa_enabled_at, status, deleted_at, created_at, updated_at"

export const byId = Effect.fn("Users.byId")(function* (id: string) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`SELECT ${sql.literal(columns)} FROM users WHERE id = ${id} AND status = 'active'`.pipe(
    Effect.orDie,
  )
  return rows[0] === undefined ? Option.none() : Option.some(yield* decodeRow(Identity.User)(rows[0]))
})

export interface Credentials {
  readonly id: string
  readonly email: string
  readonly passwordHash: string | null
  readonly mfaEnabledAt: Date | null
  readonly totpSecretCiphertext: string | null
}

/** What sign-in needs: the hash and MFA state of an active account, found by address whatever its case. */
export const credentialsByEmail = Effect.fn("Users.credentialsByEmail")(function* (email: string) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<Credentials>`SELECT id, email, password_hash, mfa_enabled_at, totp_secret_ciphertext
    FROM users WHERE lower(email) = lower(${email.trim()}) AND status = 'active'`.pipe(Effect.orDie)
  return Option.fromNullishOr(rows[0])
})

export const credentialsById = Effect.fn("Users.credentialsById")(function* (id: string) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<Credentials>`SELECT id, email, password_hash, mfa_enabled_at, totp_secret_ciphertext
    FROM users WHERE id = ${id} AND status = 'active'`.pipe(Effect.orDie)
  return Option.fromNullishOr(rows[0])
})
