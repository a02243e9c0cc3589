import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { PublicApi } from "@starform/domain"
import { Layer, Option } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import * as Authorization from "./auth/Authorization.ts"
import * as BuildsHandlers from "./builds/Handlers.ts"
import * as Dashboard from "./dashboard/Dashboard.ts"
import * as Pipeline from "./errors/Pipeline.ts"
import * as GithubHandlers from "./github/Handlers.ts"
import { SystemHandlers } from "./Health.ts"
import * as IdentityWiring from "./identity/Wiring.ts"
import * as BodyGuard from "./input/BodyGuard.ts"
import * as DeploymentStream from "./projects/DeploymentStream.ts"
import * as ProjectsHandlers from "./projects/Handlers.ts"
import { ProjectsUrl } from "./projects/ProjectsClient.ts"
import * as Reference from "./reference/Reference.ts"
import * as GithubWebhooks from "./webhooks/Github.ts"

/**
 * The REST API's routes, `/openapi.json` and `/reference` (see `reference/Reference.ts`), behind the pipeline that records audited requests and gives
 * every error a JSON body. Handler layers are provided above `Authorization` (each endpoint's declared permission)
 * and `IdentityWiring.services`, which gives them `Authentication` and the `Authorizer`. Needs `SqlClient`, `IdentityClient` and `RateLimiter` (see `IdentityWiring.dependencies`).
 */
export const app = Layer.mergeAll(
  HttpApiBuilder.layer(PublicApi.Api).pipe(
    Layer.provide(SystemHandlers),
    Layer.provide(IdentityWiring.handlers),
    Layer.provide(ProjectsHandlers.handlers),
    Layer.provide(BuildsHandlers.handlers),
    Layer.provide(GithubHandlers.handlers),
    Layer.provide(Authorization.layer),
    Layer.provide(BodyGuard.layer),
    Layer.provide(IdentityWiring.services),
  ),
  Reference.layer,
  GithubWebhooks.layer,
  Pipeline.layer,
)

/** Where the builds service listens (`BUILDS_URL`), and GitHub's webhook secret (`GITHUB_WEBHOOK_SECRET`). */
export { BuildsUrl } from "./builds/BuildsClient.ts"
export { GithubWebhookSecret } from "./webhooks/Github.ts"
/** Where the projects service listens; provide it to point the gateway elsewhere than `PROJECTS_URL`. */
export { ProjectsUrl }

/** `app` with the identity service and Redis taken from the environment (`IDENTITY_URL`, `REDIS_URL`). */
export const routes = app.pipe(Layer.provide(IdentityWiring.dependenciesFromEnv))

export interface ListenOptions {
  readonly host: string
  /** 0 picks a free port; the address actually bound is on `HttpServer.HttpServer`. */
  readonly port: number
  /** The identity service's RPC endpoint; unset: `IDENTITY_URL` (see `routes`). */
  readonly identityUrl?: string
  /** Redis for rate limiting; unset with `identityUrl` set: in-process rate limiting. */
  readonly redisUrl?: string
  /** Log a line per request (default true). */
  readonly logRequests?: boolean
  /** The dashboard's built files, served at `/` (see `Dashboard.layer`); unset: no dashboard. */
  readonly dashboardDirectory?: string | undefined
}

/**
 * The gateway listening on `host:port`. Closing its scope ends the open deployment streams, stops accepting and lets
 * open requests finish.
 */
export const layer = (options: ListenOptions) =>
  DeploymentStream.stopOnRelease(
    HttpRouter.serve(
      Layer.mergeAll(
        options.identityUrl === undefined
          ? routes
          : app.pipe(
              Layer.provide(
                IdentityWiring.dependencies({
                  identityUrl: options.identityUrl,
                  redisUrl: Option.fromNullishOr(options.redisUrl),
                }),
              ),
            ),
        options.dashboardDirectory === undefined ? Layer.empty : Dashboard.layer(options.dashboardDirectory),
      ),
      { disableListenLog: true, disableLogger: options.logRequests === false },
    ).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { host: options.host, port: options.port }))),
  )
