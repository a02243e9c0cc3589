import { PgClient } from "@effect/sql-pg"
import { TestDatabase } from "@starform/testkit"
import { Effect, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { run } from "./process.ts"

// Every table the foundation issue names; `npm run migrate` must leave each of them in place.
const tables = [
  "users",
  "sessions",
  "workspaces",
  "workspace_members",
  "projects",
  "project_members",
  "environments",
  "services",
  "deployments",
  "builds",
  "clusters",
  "regions",
  "billing_customers",
  "subscriptions",
  "invoices",
  "usage_records",
  "var_groups",
  "var_group_entries",
  "service_var_groups",
  "github_installations",
  "webhook_deliveries",
  "buckets",
  "volumes",
  "domains",
  "api_tokens",
  "audit_log",
]

const tablesIn = (url: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const rows = yield* sql<{
      table_name: string
    }>`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`
    return rows.map((row) => row.table_name)
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })))

describe("npm run migrate", () => {
  it("creates every control-plane table in the database named by DATABASE_URL, and a second run changes nothing", async () => {
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const { url } = yield* TestDatabase.empty
          const first = run("npm", ["run", "migrate"], { DATABASE_URL: url })
          expect(yield* Effect.promise(() => first.exited)).toBe(0)
          expect(first.output()).toMatch(/applied \d+/)
          const created = yield* tablesIn(url)
          for (const table of tables) expect(created).toContain(table)

          const second = run("npm", ["run", "migrate"], { DATABASE_URL: url })
          expect(yield* Effect.promise(() => second.exited)).toBe(0)
          expect(second.output()).toContain("is up to date")
          expect((yield* tablesIn(url)).sort()).toEqual([...created].sort())
        }),
      ),
    )
  }, 120_000)

  it("says what to set when DATABASE_URL is missing", async () => {
    const started = run("npm", ["run", "migrate"], {})
    expect(await started.exited).not.toBe(0)
    expect(started.output()).toContain("DATABASE_URL is not set")
  })
})
