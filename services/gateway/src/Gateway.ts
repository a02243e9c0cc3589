import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { PublicApi } from "@starform/domain"
import { Layer } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { SystemHandlers } from "./Health.ts"

/** The REST API's routes, `/openapi.json` included. Needs the services the handlers use (`SqlClient`, …). */
export const routes = HttpApiBuilder.layer(PublicApi.Api, { openapiPath: "/openapi.json" }).pipe(
  Layer.provide(SystemHandlers),
)

export interface ListenOptions {
  readonly host: string
  /** 0 picks a free port; the address actually bound is on `HttpServer.HttpServer`. */
  readonly port: number
}

/** The gateway listening on `host:port`. Closing its scope stops accepting and lets open requests finish. */
export const layer = (options: ListenOptions) =>
  HttpRouter.serve(routes, { disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { host: options.host, port: options.port })),
  )
