import { Effect, Predicate, Schema } from "effect"
import type { SqlError } from "effect/sql/SqlError"

/** The constraint a statement was refused by (unique, foreign key, check), if it was refused by one. */
export const constraintOf = (error: SqlError): string | undefined => {
  const reason = error.reason as unknown
  if (Predicate.hasProperty(reason, "constraint") && typeof reason.constraint === "string") return reason.constraint
  const cause = Predicate.hasProperty(reason, "cause") ? reason.cause : undefined
  if (Predicate.hasProperty(cause, "constraint") && typeof cause.constraint === "string") return cause.constraint
  return undefined
}

/** Rows decoded with an entity schema; a row the schema refuses is a bug, not a user error. */
export const decodeRows =
  <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S) =>
  (rows: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<S["Type"]>> =>
    Schema.decodeUnknownEffect(Schema.Array(schema))(rows).pipe(Effect.orDie)

export const decodeRow =
  <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S) =>
  (row: unknown): Effect.Effect<S["Type"]> =>
    Schema.decodeUnknownEffect(schema)(row).pipe(Effect.orDie)

/** An `inet` value from what a client reported: a valid IP address or nothing. */
export const inet = (ip: string | null): string | null => {
  if (ip === null) return null
  const bare = ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip
  return /^[0-9a-fA-F:.]+$/.test(bare) && bare.length <= 45 ? bare : null
}
