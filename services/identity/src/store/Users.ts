import { Sql } from "@starform/db"
import { Identity } from "@starform/domain"
import { Effect, Option } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"

/**
 * The `users` table, read by the repositories that need it (with their `sql`, so inside their transactions).
 * `password_hash` and `totp_secret_ciphertext` are read only by the functions that need them.
 */

const columns = "id, email, name, email_verified_at, mfa_enabled_at, status, deleted_at, created_at, updated_at"

export interface Credentials {
  readonly id: string
  readonly email: string
  readonly passwordHash: string | null
  readonly mfaEnabledAt: Date | null
  readonly totpSecretCiphertext: string | null
}

export const make = (sql: SqlClient.SqlClient) => ({
  byId: Effect.fn("Users.byId")(function* (id: string) {
    const rows = yield* sql`SELECT ${sql.literal(columns)} FROM users WHERE id = ${id} AND status = 'active'`
    return rows[0] === undefined ? Option.none() : Option.some(yield* Sql.decodeRow(Identity.User)(rows[0]))
  }),

  /** What sign-in needs: the hash and MFA state of an active account, found by address whatever its case. */
  credentialsByEmail: Effect.fn("Users.credentialsByEmail")(function* (email: string) {
    const rows = yield* sql<Credentials>`SELECT id, email, password_hash, mfa_enabled_at, totp_secret_ciphertext
      FROM users WHERE lower(email) = lower(${email.trim()}) AND status = 'active'`
    return Option.fromNullishOr(rows[0])
  }),

  credentialsById: Effect.fn("Users.credentialsById")(function* (id: string) {
    const rows = yield* sql<Credentials>`SELECT id, email, password_hash, mfa_enabled_at, totp_secret_ciphertext
      FROM users WHERE id = ${id} AND status = 'active'`
    return Option.fromNullishOr(rows[0])
  }),
})
