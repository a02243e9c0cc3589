import { randomBytes } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { Database, Migrations } from "@starform/db"
import { Effect, Layer, Redacted } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"

/**
 * The machine's PostgreSQL (CI and every test machine run 15 on 127.0.0.1:5432). Each test file
 * gets a database of its own on it, so files run in parallel without seeing each other's rows.
 */
export const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

const onServer = (statement: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    yield* sql.unsafe(statement)
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 1 })), Effect.orDie)

const urlFor = (database: string) => {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

/** An empty database of the test's own, dropped (open connections and all) when the scope closes. */
export const empty = Effect.acquireRelease(
  Effect.gen(function* () {
    const name = `starform_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`
    yield* onServer(`CREATE DATABASE ${name}`)
    return { name, url: urlFor(name) }
  }),
  ({ name }) => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
)

/** A freshly migrated database of the test's own, served as `SqlClient` with camelCase rows. */
export const layer: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient> = Layer.unwrap(
  Effect.map(empty, ({ url }) =>
    Layer.effectDiscard(Migrations.run()).pipe(Layer.provideMerge(Database.layer(url)), Layer.orDie),
  ),
)
