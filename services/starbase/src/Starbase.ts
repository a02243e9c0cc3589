import { join, relative } from "node:path"
import { Database, EmbeddedPostgres, Migrations } from "@starform/db"
import { Gateway } from "@starform/gateway"
import { Console, Context, Effect, Layer, Option } from "effect"
import { HttpServer } from "effect/http"
import { StarbaseConfig } from "./Config.ts"

/** The control-plane database: `DATABASE_URL`, or real PostgreSQL binaries under `.starform/postgres`. */
const database = (config: StarbaseConfig) =>
  Option.match(config.databaseUrl, {
    onSome: (url) => Effect.succeed(url),
    onNone: () =>
      Effect.gen(function* () {
        const home = join(config.home, "postgres")
        const running = yield* EmbeddedPostgres.start({ home })
        yield* Console.log(
          `starform: DATABASE_URL is not set, so PostgreSQL runs embedded on 127.0.0.1:${running.port} (data in ${display(running.dataDirectory)})`,
        )
        return running.url
      }),
  })

const display = (path: string) => {
  const rel = relative(process.cwd(), path)
  return rel.startsWith("..") ? path : rel
}

/**
 * Starbase, the whole control plane on one machine: database, migrations, then the gateway. It runs until its
 * scope closes (Ctrl-C), then stops the gateway, the database pool and the embedded PostgreSQL in that order.
 */
export const run = Effect.gen(function* () {
  const config = yield* StarbaseConfig
  const url = yield* database(config)

  const applied = yield* Migrations.run().pipe(Effect.provide(Database.layer(url, { maxConnections: 1 })))
  yield* Console.log(
    applied.length === 0
      ? "starform: database schema is up to date"
      : `starform: applied ${applied.length} migration(s): ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`,
  )

  const services = yield* Layer.build(
    Gateway.layer({ host: config.host, port: config.port }).pipe(Layer.provide(Database.layer(url))),
  )
  const server = Context.get(services, HttpServer.HttpServer)
  yield* Console.log(`starform: gateway listening on ${HttpServer.formatAddress(server.address)} (Ctrl-C stops)`)
  yield* Effect.addFinalizer(() => Console.log("starform: stopping"))
  return yield* Effect.never
}).pipe(Effect.scoped)
