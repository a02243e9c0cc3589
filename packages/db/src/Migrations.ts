import { readdir, readFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import * as Migrator from "effect/sql/Migrator"
import * as SqlClient from "effect/sql/SqlClient"
import { splitStatements } from "./splitStatements.ts"

/** The repository's `migrations/` folder. */
export const directory = fileURLToPath(new URL("../../../migrations", import.meta.url))

/** Which migrations have run is recorded here, one row per file. */
export const table = "starform_migrations"

const fileName = /^(\d{4})_([a-z0-9_]+)\.sql$/

/**
 * Reads `NNNN_name.sql` files in id order. Each becomes one migration whose statements run in the
 * migrator's transaction, so a file either applies whole or not at all.
 */
export const fromDirectory = (dir: string): Migrator.Loader<SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const names = yield* Effect.tryPromise({
      try: () => readdir(dir),
      catch: (cause) => new Migrator.MigrationError({ kind: "ImportError", message: `cannot read ${dir}`, cause }),
    })
    const stray = names.filter((name) => name.endsWith(".sql") && !fileName.test(name))
    if (stray.length > 0) {
      return yield* new Migrator.MigrationError({
        kind: "ImportError",
        message: `migration files must be named NNNN_lower_snake.sql: ${stray.join(", ")}`,
      })
    }
    const files = names
      .flatMap((name) => {
        const match = fileName.exec(name)
        return match ? [[Number(match[1]), match[2]!, name] as const] : []
      })
      .sort(([a], [b]) => a - b)
    yield* refuseSkipped(files.map(([id, , file]) => [id, file] as const))
    return files.map(
      ([id, name, file]): Migrator.ResolvedMigration => [
        id,
        name,
        Effect.map(
          Effect.promise(() => readFile(`${dir}/${file}`, "utf8")),
          (script) => runScript(script),
        ),
      ],
    )
  })

/**
 * The migrator runs only ids above the latest applied one, so a file numbered below it (two branches that both
 * added migrations) would be skipped without a word. Refuse instead, naming the file to renumber.
 */
const refuseSkipped = (files: ReadonlyArray<readonly [id: number, file: string]>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ migration_id: number }>`SELECT migration_id FROM ${sql(table)}`.withoutTransform.pipe(
      Effect.mapError(
        (cause) => new Migrator.MigrationError({ kind: "BadState", message: "cannot read applied migrations", cause }),
      ),
    )
    const applied = new Set(rows.map((row) => Number(row.migration_id)))
    const latest = Math.max(0, ...applied)
    const skipped = files.filter(([id]) => id < latest && !applied.has(id)).map(([, file]) => file)
    if (skipped.length > 0) {
      return yield* new Migrator.MigrationError({
        kind: "BadState",
        message: `${skipped.join(", ")} would never run: this database has already applied migration ${latest}. Renumber ${skipped.length === 1 ? "it" : "them"} above ${latest}.`,
      })
    }
  })

const runScript = (script: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    for (const statement of splitStatements(script)) {
      yield* sql.unsafe(statement).withoutTransform
    }
  })

/** Applies every migration not yet applied; returns the ones it ran (none on a current database). */
export const run = (dir: string = directory) => Migrator.make({})({ loader: fromDirectory(dir), table })
