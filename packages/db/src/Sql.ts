import { Cause, Effect, Predicate, Schema } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/**
 * The one SQL toolkit of the services' repositories. A repository speaks its own typed failures (a name taken, a row
 * not found); a database failure that is not one of them (an outage, a bug in a statement) is a defect, turned so
 * once, at the repository's edge (`edge`, `transaction`), rather than after every statement.
 */

/** The constraint a statement was refused by (unique, foreign key, check), if it was refused by one. */
export const constraintOf = (error: SqlError): string | undefined => {
  const reason = error.reason as unknown
  if (Predicate.hasProperty(reason, "constraint") && typeof reason.constraint === "string") return reason.constraint
  const cause = Predicate.hasProperty(reason, "cause") ? reason.cause : undefined
  return Predicate.hasProperty(cause, "constraint") && typeof cause.constraint === "string"
    ? cause.constraint
    : undefined
}

const isSqlError = (error: unknown): error is SqlError => Predicate.isTagged(error, "SqlError")

/**
 * Turns the refusal of one of `known` constraints into the error given for it; any other database failure is a
 * defect (a bug or an outage), answered as 500 by the gateway.
 */
export const refusedBy =
  <const K extends { readonly [constraint: string]: () => unknown }, E = ReturnType<K[keyof K]>>(known: K) =>
  <A, E2, R>(effect: Effect.Effect<A, E2 | SqlError, R>): Effect.Effect<A, E | Exclude<E2, SqlError>, R> =>
    Effect.catchIf(effect, isSqlError, (error) => {
      const constraint = constraintOf(error)
      const make = constraint === undefined ? undefined : known[constraint]
      return make === undefined ? Effect.die(error) : Effect.fail(make())
    }) as Effect.Effect<A, E | Exclude<E2, SqlError>, R>

/**
 * Whether `cause` is the database being out of reach (a connection refused or closed: PostgreSQL stopping, a
 * restart), as a failure or as the defect a repository's edge made of it. Such a failure is worth a retry and a
 * warning, not an error: with the embedded PostgreSQL, Ctrl-C reaches the server and Starbase at the same moment.
 */
export const isUnreachable = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.some((reason) => {
    const error = Cause.isFailReason(reason) ? reason.error : Cause.isDieReason(reason) ? reason.defect : undefined
    if (!isSqlError(error)) return false
    if (error.reason._tag === "ConnectionError") return true
    // 57P01–57P03: the server is shutting down (what a fast shutdown tells its clients) or not yet accepting them
    const code: unknown = Predicate.hasProperty(error.reason.cause, "code") ? error.reason.cause.code : undefined
    return typeof code === "string" && /^57P0[123]$/.test(code)
  })

/** A database failure as a defect: the repository's callers see only its own typed failures. */
export const orDefect = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, Exclude<E, SqlError>, R> =>
  Effect.catchIf(effect, isSqlError, Effect.die) as Effect.Effect<A, Exclude<E, SqlError>, R>

/** `effect` in one transaction of `sql`; a database failure (the commit's included) is a defect. */
export const transaction =
  (sql: SqlClient.SqlClient) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, Exclude<E, SqlError>, R> =>
    orDefect(sql.withTransaction(effect))

type Edged<F> = F extends (...args: infer Args) => Effect.Effect<infer A, infer E, infer R>
  ? (...args: Args) => Effect.Effect<A, Exclude<E, SqlError>, R>
  : F

/**
 * A repository's methods with every database failure turned into a defect: write the methods with plain
 * statements, and wrap the object once where it is returned.
 */
export const edge = <const T extends object>(methods: T): { readonly [K in keyof T]: Edged<T[K]> } =>
  Object.fromEntries(
    Object.entries(methods).map(([name, method]) => [
      name,
      typeof method === "function"
        ? (...args: ReadonlyArray<unknown>) => {
            const result: unknown = method(...args)
            return Effect.isEffect(result) ? orDefect(result) : result
          }
        : method,
    ]),
  ) as { readonly [K in keyof T]: Edged<T[K]> }

type Decodable = Schema.Top & { readonly DecodingServices: never }

// One decoder per schema, made on first use: repositories name the schema inline at each call, on hot reads too.
const rowsDecoders = new WeakMap<Decodable, (rows: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<unknown>>>()
const rowDecoders = new WeakMap<Decodable, (row: unknown) => Effect.Effect<unknown>>()

/** Rows decoded with an entity schema; a row the schema refuses is a bug, not a user error. */
export const decodeRows = <S extends Decodable>(
  schema: S,
): ((rows: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<S["Type"]>>) => {
  let decode = rowsDecoders.get(schema)
  if (decode === undefined) {
    const decodeArray = Schema.decodeUnknownEffect(Schema.Array(schema))
    decode = (rows) => Effect.orDie(decodeArray(rows))
    rowsDecoders.set(schema, decode)
  }
  return decode as (rows: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<S["Type"]>>
}

/** One row decoded with an entity schema; a row the schema refuses is a bug, not a user error. */
export const decodeRow = <S extends Decodable>(schema: S): ((row: unknown) => Effect.Effect<S["Type"]>) => {
  let decode = rowDecoders.get(schema)
  if (decode === undefined) {
    const decodeOne = Schema.decodeUnknownEffect(schema)
    decode = (row) => Effect.orDie(decodeOne(row))
    rowDecoders.set(schema, decode)
  }
  return decode as (row: unknown) => Effect.Effect<S["Type"]>
}

/** The first row decoded with `schema`, or the failure `none` makes when there is no row. */
export const decodeFirst =
  <S extends Decodable, E>(schema: S, none: () => E) =>
  (rows: ReadonlyArray<unknown>): Effect.Effect<S["Type"], E> =>
    rows[0] === undefined ? Effect.fail(none()) : decodeRow(schema)(rows[0])
