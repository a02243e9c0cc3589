import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Database, Migrations, splitStatements } from "@starform/db"
import { TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

describe("splitStatements", () => {
  it("keeps semicolons inside strings, identifiers, dollar quotes and comments", () => {
    const script = `-- header; comment
CREATE TABLE "a;b" (note text DEFAULT 'x;''y');
/* block; /* nested; */ still */
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;
DO $$ BEGIN PERFORM 1; END $$`
    expect(splitStatements(script)).toEqual([
      `-- header; comment\nCREATE TABLE "a;b" (note text DEFAULT 'x;''y')`,
      `/* block; /* nested; */ still */\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$`,
      "DO $$ BEGIN PERFORM 1; END $$",
    ])
  })

  it("refuses an unterminated string rather than running half a statement", () => {
    expect(() => splitStatements("SELECT 'oops;")).toThrow(/unterminated string/)
  })
})

describe("Migrations.run", () => {
  const write = (dir: string, file: string, sql: string) => writeFileSync(join(dir, file), sql)

  it.effect("applies each file once, in order, and refuses a file numbered below one already applied", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "starform-migrations-"))
      write(dir, "0001_first.sql", "CREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a VALUES (1);")
      write(dir, "0003_third.sql", "INSERT INTO a VALUES (3);")
      const { url } = yield* TestDatabase.empty
      const outcome = yield* Effect.gen(function* () {
        const first = yield* Migrations.run(dir)
        const again = yield* Migrations.run(dir)
        write(dir, "0002_second.sql", "INSERT INTO a VALUES (2);")
        const late = yield* Effect.flip(Migrations.run(dir))
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ id: number }>`SELECT id FROM a ORDER BY id`
        return { first, again, late, ids: rows.map((row) => row.id) }
      }).pipe(Effect.provide(Database.layer(url)))
      rmSync(dir, { recursive: true, force: true })
      expect(outcome.first).toEqual([
        [1, "first"],
        [3, "third"],
      ])
      expect(outcome.again).toEqual([])
      expect(outcome.late.message).toContain("0002_second.sql would never run")
      expect(outcome.ids).toEqual([1, 3])
    }).pipe(Effect.scoped),
  )
})
