import { PgClient } from "@effect/sql-pg"
import { Config, Redacted } from "effect"
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
