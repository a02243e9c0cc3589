import { Builds } from "@starform/builds"
import { Gateway } from "@starform/gateway"
import { IdentityConfig, IdentityServer, type MailSettings } from "@starform/identity"
import type { Kube } from "@starform/kube"
import { Server as ProjectsServer } from "@starform/projects"
import { Context, Effect, Layer, Option } from "effect"
import { HttpServer } from "effect/http"
import * as BuildCluster from "./BuildCluster.ts"

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
  /** Where identity sends its email outbox (SMTP, or `.eml` files); unset, mail stays queued (most tests). */
  readonly mail?: MailSettings | undefined
  readonly logRequests?: boolean
  /** The builds service's port (0, or unset: a free one). */
  readonly buildsPort?: number | undefined
  /**
   * Where build Jobs run: a cluster's `Kube` layer; unset, a simulated cluster (kube-sim) where build and pre-deploy
   * Jobs succeed, so the whole path runs on one machine.
   */
  readonly buildCluster?: Layer.Layer<Kube> | undefined
  /** The GitHub App; unset: `GITHUB_APP_ID`, `GITHUB_APP_PRIVATE_KEY`, `GITHUB_API_URL`, `GITHUB_APP_URL`. */
  readonly github?: Builds.GithubApp.GithubAppSettings | undefined
  /** The app's webhook secret; unset: `GITHUB_WEBHOOK_SECRET`. */
  readonly githubWebhookSecret?: string | undefined
  /** The dashboard's built files, served by the gateway at `/`; unset: no dashboard. */
  readonly dashboardDirectory?: string | undefined
  /** The build pipeline's pace (tests go faster than the defaults). */
  readonly pipeline?: Partial<Builds.Pipeline.PipelineOptions> | undefined
}

export interface Running {
  readonly gatewayUrl: string
  readonly identityUrl: string
  /** The projects service: the gateway's RPC and Shuttle's desired-state feed. */
  readonly projectsUrl: string
  /** The builds service's RPC. */
  readonly buildsUrl: string
}

const urlOf = (context: Context.Context<HttpServer.HttpServer>) =>
  HttpServer.formatAddress(Context.get(context, HttpServer.HttpServer).address).replace(/\/$/, "")

export const start = (options: Options) =>
  Effect.gen(function* () {
    const identity = yield* Layer.build(
      IdentityServer.layer({ host: options.host, port: options.identityPort, mail: options.mail }).pipe(
        Layer.provide(options.identityFromEnv ? IdentityConfig.layerFromEnv : IdentityConfig.layer(options.identity)),
      ),
    )
    const identityUrl = `${urlOf(identity)}${IdentityServer.rpcPath}`
    // projects asks identity for workspaces' plans and records its audit entries there: identity starts first
    const projects = yield* Layer.build(
      ProjectsServer.layer({ host: options.host, port: options.projectsPort ?? 0, identityUrl }),
    )
    const projectsUrl = urlOf(projects)
    const builds = yield* Layer.build(
      Builds.Server.layer({ host: options.host, port: options.buildsPort ?? 0 }).pipe(
        Layer.provide(options.buildCluster ?? BuildCluster.simulated),
        Layer.provide(Builds.Projects.Projects.layer(projectsUrl)),
        Layer.provide(
          options.github === undefined
            ? Builds.GithubApp.GithubApp.layerConfig
            : Builds.GithubApp.GithubApp.layer(options.github),
        ),
        Layer.provide(Builds.Pipeline.PipelineOptionsService.layer(options.pipeline)),
      ),
    )
    const buildsUrl = urlOf(builds)
    const gateway = yield* Layer.build(
      Gateway.layer({
        host: options.host,
        port: options.port,
        identityUrl,
        ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
        ...(options.logRequests === undefined ? {} : { logRequests: options.logRequests }),
        dashboardDirectory: options.dashboardDirectory,
      }).pipe(
        Layer.provide(Layer.succeed(Gateway.ProjectsUrl, projectsUrl)),
        Layer.provide(Layer.succeed(Gateway.BuildsUrl, buildsUrl)),
        Layer.provide(
          options.githubWebhookSecret === undefined
            ? Layer.empty
            : Layer.succeed(Gateway.GithubWebhookSecret, Option.some(options.githubWebhookSecret)),
        ),
      ),
    )
    return { gatewayUrl: urlOf(gateway), identityUrl, projectsUrl, buildsUrl } satisfies Running
  })
