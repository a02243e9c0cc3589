import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { IdentityRpc } from "@starform/domain"
import { ServiceServer } from "@starform/rpc"
import { Layer } from "effect"
import { HttpRouter } from "effect/http"
import * as Handlers from "./Handlers.ts"
import { Passwords } from "./Passwords.ts"

/** Where the identity RPCs are served, relative to the service's address. */
export const rpcPath = "/rpc"

/**
 * The identity service's HTTP routes: the RPC endpoint. Needs `SqlClient`, `FieldCrypto` (TOTP secrets) and
 * `IdentityConfig`.
 */
export const routes = ServiceServer.layerHttp({ group: IdentityRpc.IdentityRpcs, path: rpcPath }).pipe(
  Layer.provide(Handlers.layer),
  Layer.provide(Handlers.services),
  Layer.provide(Passwords.layer),
  Layer.provide(IdentityRpc.serialization),
)

export interface ListenOptions {
  readonly host: string
  /** 0 picks a free port; the address bound is on `HttpServer.HttpServer`. */
  readonly port: number
}

/** The identity service listening on `host:port`. */
export const layer = (options: ListenOptions) =>
  HttpRouter.serve(routes, { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { host: options.host, port: options.port })),
  )
