import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Database } from "@starform/db"
import { TestDatabase } from "@starform/testkit"
import { Effect } from "effect"

describe("Database.layer", () => {
  it.effect(
    "renames columns between camelCase and snake_case but leaves keys inside jsonb as the customer wrote them",
    () =>
      Effect.gen(function* () {
        const { url } = yield* TestDatabase.empty
        const row = yield* Effect.gen(function* () {
          const sql = yield* PgClient.PgClient
          yield* sql`CREATE TABLE settings (service_id text PRIMARY KEY, config_snapshot jsonb NOT NULL)`
          const config = { DATABASE_URL: "postgres://db", maxReplicas: 3, max_replicas: 4, nested: { Some_Key: true } }
          yield* sql`INSERT INTO settings ${sql.insert({ serviceId: "svc_1", configSnapshot: sql.json(config) })}`
          const [raw] = yield* sql<{
            configSnapshot: unknown
          }>`SELECT config_snapshot::text AS config_snapshot FROM settings`
          const [read] = yield* sql<{ serviceId: string; configSnapshot: unknown }>`SELECT * FROM settings`
          return { raw: JSON.parse(raw!.configSnapshot as string), read, config }
        }).pipe(Effect.provide(Database.layer(url)))
        expect(row.raw).toEqual(row.config)
        expect(row.read).toEqual({ serviceId: "svc_1", configSnapshot: row.config })
      }).pipe(Effect.scoped),
  )
})
