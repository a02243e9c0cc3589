import { NodeHttpServer } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Database } from "@starform/db"
import { Gateway } from "@starform/gateway"
import { TestDatabase } from "@starform/testkit"
import { Effect, Layer, Redacted } from "effect"
import { HttpClient, HttpRouter } from "effect/http"

/** The gateway's routes on a real HTTP server on a free port, backed by a database of the test's own. */
const serve = (url: string) =>
  HttpRouter.serve(Gateway.routes, { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provide(Database.layer(url)),
    Layer.provideMerge(NodeHttpServer.layerTest),
  )

const get = (path: string) =>
  Effect.gen(function* () {
    const response = yield* HttpClient.get(path)
    return { status: response.status, body: yield* response.json }
  })

describe("GET /healthz", () => {
  it.effect("answers 200 while the database answers, and 503 naming the database once it is gone", () =>
    Effect.gen(function* () {
      const { name, url } = yield* TestDatabase.empty
      yield* Effect.gen(function* () {
        expect(yield* get("/healthz")).toEqual({ status: 200, body: { status: "ok", checks: { database: "ok" } } })

        yield* Effect.gen(function* () {
          const sql = yield* PgClient.PgClient
          yield* sql.unsafe(`DROP DATABASE ${name} WITH (FORCE)`)
        }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(TestDatabase.serverUrl), maxConnections: 1 })))

        const after = yield* get("/healthz")
        expect(after.status).toBe(503)
        expect(after.body).toMatchObject({ report: { status: "unavailable", checks: { database: "unreachable" } } })
      }).pipe(Effect.provide(serve(url)))
    }).pipe(Effect.scoped),
  )

  it.effect("/openapi.json describes the API, /healthz included", () =>
    Effect.gen(function* () {
      const { url } = yield* TestDatabase.empty
      const { status, body } = yield* get("/openapi.json").pipe(Effect.provide(serve(url)))
      expect(status).toBe(200)
      expect(body).toMatchObject({ info: { title: "Starform API" }, paths: { "/healthz": { get: {} } } })
    }).pipe(Effect.scoped),
  )
})
