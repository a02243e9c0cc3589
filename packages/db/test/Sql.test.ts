import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Database, Sql } from "@starform/db"
import { TestDatabase } from "@starform/testkit"
import { Cause, Data, Effect, Exit, Schema } from "effect"

class NameTaken extends Data.TaggedError("NameTaken")<{ readonly name: string }> {}

const Thing = Schema.Struct({ id: Schema.String, name: Schema.String })

const withTable = <A, E>(body: (sql: PgClient.PgClient) => Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const { url } = yield* TestDatabase.empty
    return yield* Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      yield* sql`CREATE TABLE things (id text PRIMARY KEY, name text NOT NULL CONSTRAINT things_name_unique UNIQUE)`
      return yield* body(sql)
    }).pipe(Effect.provide(Database.layer(url)))
  }).pipe(Effect.scoped)

describe("Sql", () => {
  it.effect("a refusal by a known constraint is the repository's own error; any other is a defect", () =>
    withTable((sql) =>
      Effect.gen(function* () {
        const insert = (id: string, name: string) =>
          sql`INSERT INTO things ${sql.insert({ id, name })}`.pipe(
            Sql.refusedBy({ things_name_unique: () => new NameTaken({ name }) }),
          )
        yield* insert("a", "web")
        const taken = yield* Effect.exit(insert("b", "web"))
        expect(taken).toEqual(Exit.fail(new NameTaken({ name: "web" })))
        const duplicateKey = yield* Effect.exit(insert("a", "api"))
        expect(Exit.isFailure(duplicateKey) && Cause.hasDies(duplicateKey.cause)).toBe(true)
      }),
    ),
  )

  it.effect("a transaction that fails leaves nothing written, and a database failure inside it is a defect", () =>
    withTable((sql) =>
      Effect.gen(function* () {
        const transaction = Sql.transaction(sql)
        const failed = yield* Effect.exit(
          transaction(
            Effect.gen(function* () {
              yield* sql`INSERT INTO things ${sql.insert({ id: "a", name: "web" })}`
              return yield* new NameTaken({ name: "web" })
            }),
          ),
        )
        expect(failed).toEqual(Exit.fail(new NameTaken({ name: "web" })))
        const broken = yield* Effect.exit(transaction(sql`INSERT INTO missing_table VALUES (1)`))
        expect(Exit.isFailure(broken) && Cause.hasDies(broken.cause)).toBe(true)
        expect(yield* Sql.orDefect(sql`SELECT count(*)::int AS n FROM things`)).toEqual([{ n: 0 }])
      }),
    ),
  )

  it.effect("a repository wrapped at its edge decodes its rows with a schema and dies on a database failure", () =>
    withTable((sql) =>
      Effect.gen(function* () {
        const repo = Sql.edge({
          add: (id: string, name: string) => sql`INSERT INTO things ${sql.insert({ id, name })}`,
          get: (id: string) =>
            sql`SELECT id, name FROM things WHERE id = ${id}`.pipe(
              Effect.flatMap(Sql.decodeFirst(Thing, () => new NameTaken({ name: id }))),
            ),
          all: () => sql`SELECT id, name FROM things ORDER BY id`.pipe(Effect.flatMap(Sql.decodeRows(Thing))),
          broken: () => sql`SELECT nope FROM things`,
        })
        yield* repo.add("a", "web")
        yield* repo.add("b", "api")
        expect(yield* repo.get("b")).toEqual({ id: "b", name: "api" })
        expect(yield* Effect.exit(repo.get("c"))).toEqual(Exit.fail(new NameTaken({ name: "c" })))
        expect(yield* repo.all()).toEqual([
          { id: "a", name: "web" },
          { id: "b", name: "api" },
        ])
        const broken = yield* Effect.exit(repo.broken())
        expect(Exit.isFailure(broken) && Cause.hasDies(broken.cause)).toBe(true)
      }),
    ),
  )

  it.effect("a lost connection is told apart from other database failures, as a failure or as a defect", () =>
    Effect.gen(function* () {
      const { url } = yield* TestDatabase.empty
      const lost = yield* Effect.gen(function* () {
        const sql = yield* PgClient.PgClient
        const broken = yield* Effect.exit(sql`SELECT nope`)
        // in one transaction, so the statement after the kill is sure to run on the connection that was ended
        const closed = yield* Effect.exit(
          Sql.transaction(sql)(
            Effect.gen(function* () {
              const [backend] = yield* sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`
              yield* Effect.gen(function* () {
                const other = yield* PgClient.PgClient
                yield* other`SELECT pg_terminate_backend(${backend!.pid})`
              }).pipe(Effect.provide(Database.layer(url)))
              yield* sql`SELECT 1`
            }),
          ),
        )
        return { broken, closed }
      }).pipe(Effect.provide(Database.layer(url, { maxConnections: 1 })))
      expect(Exit.isFailure(lost.broken) && Sql.isUnreachable(lost.broken.cause)).toBe(false)
      expect(Exit.isFailure(lost.closed) && Sql.isUnreachable(lost.closed.cause)).toBe(true)
    }).pipe(Effect.scoped),
  )
})
