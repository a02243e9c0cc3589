// `npm run migrate`: applies the migrations to the database named by DATABASE_URL.
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Option } from "effect"
import * as Database from "../Database.ts"
import * as Migrations from "../Migrations.ts"

const program = Effect.gen(function* () {
  const url = yield* Database.databaseUrl
  if (Option.isNone(url)) {
    return yield* Effect.fail(
      new Error(
        "DATABASE_URL is not set: set it to the PostgreSQL to migrate, e.g. postgres://postgres@127.0.0.1:5432/test",
      ),
    )
  }
  const applied = yield* Migrations.run().pipe(Effect.provide(Database.layer(url.value, { maxConnections: 1 })))
  yield* Effect.log(
    applied.length === 0
      ? `${Database.redactUrl(url.value)} is up to date`
      : `applied ${applied.map(([id, name]) => `${String(id).padStart(4, "0")}_${name}`).join(", ")} to ${Database.redactUrl(url.value)}`,
  )
})

NodeRuntime.runMain(program)
