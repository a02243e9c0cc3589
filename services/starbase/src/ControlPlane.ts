import { Gateway } from "@starform/gateway"
import { IdentityConfig, IdentityServer } from "@starform/identity"
import { Server as ProjectsServer } from "@starform/projects"
import { Context, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"

/**
 * The control plane's services, each listening on its own port on `host`, and the gateway in front of them calling
 * them over RPC. Needs the database (`SqlClient`) and the keyring (`FieldCrypto`); runs until its scope closes.
 * `npm start` and the whole-gateway tests both start Starbase through here.
 */
export interface Options {
  readonly host: string
  /** The gateway's port (0: a free one). */
  readonly port: number
  /** The identity service's port (0: a free one). */
  readonly identityPort: number
  /** The projects service's port (0, or unset: a free one). */
  readonly projectsPort?: number | undefined
  /** Redis for rate limiting; unset: in-process. */
  readonly redisUrl?: string | undefined
  readonly identity?: Partial<IdentityConfig["Service"]> | IdentityConfig["Service"] | undefined
  /** Read `PUBLIC_URL`, `JWT_SIGNING_KEY` and `OIDC_*` for identity (what `npm start` does). */
  readonly identityFromEnv?: boolean
  readonly logRequests?: boolean
}

export interface Running {
  readonly gatewayUrl: string
  readonly identityUrl: string
  /** The projects service: the gateway's RPC and Shuttle's desired-state feed. */
  readonly projectsUrl: string
}

const urlOf = (context: Context.Context<HttpServer.HttpServer>) =>
  HttpServer.formatAddress(Context.get(context, HttpServer.HttpServer).address).replace(/\/$/, "")

export const start = (options: Options) =>
  Effect.gen(function* () {
    const identity = yield* Layer.build(
      IdentityServer.layer({ host: options.host, port: options.identityPort }).pipe(
        Layer.provide(options.identityFromEnv ? IdentityConfig.layerFromEnv : IdentityConfig.layer(options.identity)),
      ),
    )
    const identityUrl = `${urlOf(identity)}${IdentityServer.rpcPath}`
    const projects = yield* Layer.build(ProjectsServer.layer({ host: options.host, port: options.projectsPort ?? 0 }))
    const projectsUrl = urlOf(projects)
    const gateway = yield* Layer.build(
      Gateway.layer({
        host: options.host,
        port: options.port,
        identityUrl,
        ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
        ...(options.logRequests === undefined ? {} : { logRequests: options.logRequests }),
      }).pipe(Layer.provide(Layer.succeed(Gateway.ProjectsUrl, projectsUrl))),
    )
    return { gatewayUrl: urlOf(gateway), identityUrl, projectsUrl } satisfies Running
  })
