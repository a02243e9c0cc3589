import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { IdentityRpc } from "@starform/domain"
import { ServiceServer } from "@starform/rpc"
import { Layer } from "effect"
import { HttpRouter } from "effect/http"
import * as Handlers from "./Handlers.ts"
import { Mail, type MailSettings } from "./mail/MailSettings.ts"
import * as Sender from "./mail/Sender.ts"
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
  /** Sends the email outbox (SMTP, or `.eml` files) while the service runs; unset, mail stays queued. */
  readonly mail?: MailSettings | undefined
}

/** The identity service listening on `host:port`, and its outbox sender when `mail` is given. */
export const layer = (options: ListenOptions) =>
  HttpRouter.serve(routes, { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { host: options.host, port: options.port })),
    Layer.merge(options.mail === undefined ? Layer.empty : Sender.live.pipe(Layer.provide(Mail.layer(options.mail)))),
  )
