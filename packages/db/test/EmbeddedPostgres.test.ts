import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { EmbeddedPostgres } from "@starform/db"
import { Effect, Exit, Redacted, Scope } from "effect"

const query = (url: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    return yield* sql<{ one: number }>`SELECT 1 AS one`
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })))

describe("EmbeddedPostgres", () => {
  it.live(
    "serves a database, refuses a second owner of the same folder, and shuts down even when the server died first",
    () =>
      Effect.gen(function* () {
        // Removed however the test ends; a failed step still stops its cluster through the scopes below.
        const home = yield* Effect.acquireRelease(
          Effect.sync(() => {
            const dir = mkdtempSync(join(tmpdir(), "starform-embedded-"))
            chmodSync(dir, 0o755)
            return dir
          }),
          (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
        )
        const scope = yield* Scope.make()
        yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
        const running = yield* EmbeddedPostgres.start({ home }).pipe(Scope.provide(scope))
        expect(yield* query(running.url)).toEqual([{ one: 1 }])

        const second = yield* Effect.scoped(EmbeddedPostgres.start({ home })).pipe(Effect.flip)
        expect(second.message).toContain("already running PostgreSQL")

        const pid = Number(readFileSync(join(running.dataDirectory, "postmaster.pid"), "utf8").split("\n")[0])
        process.kill(pid, "SIGKILL")
        while (EmbeddedPostgres.isAlive(pid)) yield* Effect.sleep("50 millis")
        const started = Date.now()
        yield* Scope.close(scope, Exit.void)
        expect(Date.now() - started).toBeLessThan(5_000)

        // The data folder is reusable after the crash.
        const again = yield* Effect.scoped(
          Effect.flatMap(EmbeddedPostgres.start({ home }), (restarted) => query(restarted.url)),
        )
        expect(again).toEqual([{ one: 1 }])
      }).pipe(Effect.scoped),
    60_000,
  )
})
