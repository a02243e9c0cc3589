import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Redacted } from "effect"
import * as Str from "effect/String"

/**
 * The control-plane Postgres. Rows come back camelCased and `sql.insert({ projectId })` writes
 * `project_id`, so repositories and domain schemas speak the same names. Only column names are renamed:
 * keys inside jsonb values (variable names such as `DATABASE_URL`, customer config) are the customer's and
 * pass through untouched.
 */
export const layer = (url: string, options: { readonly maxConnections?: number } = {}) =>
  PgClient.layer({
    url: Redacted.make(url),
    maxConnections: options.maxConnections ?? 10,
    applicationName: "starform",
    transformQueryNames: Str.camelToSnake,
    transformResultNames: Str.snakeToCamel,
    transformJson: false,
  })

/** `DATABASE_URL`, when it is set. */
export const databaseUrl = Config.option(Config.String("DATABASE_URL"))

/** Connects once and fails with a message a person can act on when the database is not there. */
export const checkReachable = (url: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    yield* sql`SELECT 1`
  }).pipe(
    Effect.provide(layer(url, { maxConnections: 1 })),
    Effect.mapError((cause) => new Error(`cannot reach PostgreSQL at ${redactUrl(url)}: ${describe(cause)}`)),
  )

/** A connection URL with its password replaced, fit for logs and error messages. */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = "***"
    return parsed.toString()
  } catch {
    return "<unparseable DATABASE_URL>"
  }
}

const describe = (cause: unknown): string =>
  cause instanceof Error
    ? cause.message
    : typeof cause === "object" && cause !== null
      ? JSON.stringify(cause)
      : `${cause}`
