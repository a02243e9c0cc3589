import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { Cache } from "./Cache.ts"
import { Source } from "./Source.ts"

/**
 * `GET /healthz` for the kubelet's probes: 200 once Shuttle has the cluster in view (every kind listed), with the
 * desired-state version it works from and whether the projects service answers — an unreachable Starbase is not
 * unhealthy, Shuttle goes on from its cache. 503 until then.
 */
const route = HttpRouter.add(
  "GET",
  "/healthz",
  Effect.gen(function* () {
    const cache = yield* Cache
    const source = yield* Source
    const state = yield* source.current
    const body = {
      status: cache.isSynced() ? "ok" : "starting",
      desiredStateVersion: state?.version ?? null,
      starbase: (yield* source.reachable) ? "reachable" : "unreachable",
    }
    return yield* HttpServerResponse.json(body, { status: cache.isSynced() ? 200 : 503 })
  }),
)

export const layer = (options: { readonly host: string; readonly port: number }) =>
  HttpRouter.serve(route, { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { host: options.host, port: options.port })),
  )
