import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { ApiErrors, BuildsRpc, type Identity, type Ids } from "@starform/domain"
import { ServiceServer } from "@starform/rpc"
import { Clock, DateTime, Effect, Layer, Option, Schema, Stream } from "effect"
import { HttpRouter } from "effect/http"
import { GithubApp } from "./github/GithubApp.ts"
import { Installations, view as installationView } from "./github/Installations.ts"
import { BuildLogs } from "./logs/BuildLogs.ts"
import * as Policy from "./Policy.ts"
import { Projects } from "./Projects.ts"
import { Pipeline } from "./pipeline/Pipeline.ts"
import * as KubeRunner from "./runner/KubeRunner.ts"
import * as SourceRoutes from "./sources/Routes.ts"
import { SourceStore } from "./sources/SourceStore.ts"
import { SourceUploads } from "./sources/SourceUploads.ts"
import { BuildSettings } from "./store/BuildSettings.ts"
import { BuildStore } from "./store/BuildStore.ts"
import { Deliveries } from "./webhooks/Deliveries.ts"
import { GithubEvents } from "./webhooks/GithubEvents.ts"

/**
 * The builds service on its own port: `BuildsRpc` over HTTP (NDJSON, so build logs can stream). Needs `SqlClient`,
 * `FieldCrypto`, `Kube` (where build Jobs run), `GithubApp`, `Projects` and the pipeline's options.
 */

/** An install link's state: the workspace it was made for, who made it, and until when it is good. */
const InstallState = Schema.fromJsonString(
  Schema.Struct({ workspaceId: Schema.String, userId: Schema.NullOr(Schema.String), expiresAt: Schema.Number }),
)
const installLinkLifetimeMs = 60 * 60 * 1000

const notConfigured = (error: { readonly message: string }) => new ApiErrors.Conflict({ message: error.message })

const Handlers = BuildsRpc.BuildsRpcs.toLayer(
  Effect.gen(function* () {
    const events = yield* GithubEvents
    const installations = yield* Installations
    const github = yield* GithubApp
    const store = yield* BuildStore
    const logs = yield* BuildLogs
    const pipeline = yield* Pipeline
    const projects = yield* Projects
    const buildSettings = yield* BuildSettings
    const uploads = yield* SourceUploads

    const build = (buildId: string) =>
      Effect.flatMap(store.get(buildId), (row) =>
        Option.isNone(row) ? Effect.fail(ApiErrors.NotFound.of("build", buildId)) : Effect.succeed(row.value),
      )

    const settingsOf = Effect.fn("Builds.settingsOf")(function* (serviceId: string, plan: Identity.WorkspacePlan) {
      const own = yield* buildSettings.timeoutOf(serviceId)
      const limits = Policy.limits[plan]
      return {
        serviceId: serviceId as Ids.ServiceId,
        timeoutSeconds: Policy.timeoutFor(plan, own),
        default: own === null,
        maxTimeoutSeconds: limits.maxTimeoutSeconds,
        imageSizeLimitBytes: limits.imageSizeLimitBytes,
        concurrentBuilds: limits.concurrentBuilds,
      }
    })

    return BuildsRpc.BuildsRpcs.of({
      ReceiveGithubDelivery: (delivery) => events.receive(delivery),

      Locate: ({ kind, id }) =>
        kind === "build"
          ? Effect.flatMap(store.get(id), (row) =>
              Option.isSome(row) && row.value.workspaceId !== null
                ? Effect.succeed({ workspaceId: row.value.workspaceId, projectId: row.value.projectId })
                : Effect.fail(ApiErrors.NotFound.of("build", id)),
            )
          : Effect.flatMap(installations.get(id), (row) =>
              Option.isSome(row)
                ? Effect.succeed({ workspaceId: row.value.workspaceId, projectId: null })
                : Effect.fail(ApiErrors.NotFound.of("GitHub installation", id)),
            ),

      CreateInstallLink: ({ workspaceId, userId }) =>
        Effect.gen(function* () {
          const expiresAt = (yield* Clock.currentTimeMillis) + installLinkLifetimeMs
          const state = yield* github.signState(Schema.encodeSync(InstallState)({ workspaceId, userId, expiresAt }))
          return {
            url: yield* github.installUrl(state),
            expiresAt: DateTime.formatIso(DateTime.makeUnsafe(expiresAt)),
          }
        }).pipe(Effect.catchTag("GithubNotConfigured", (error) => Effect.fail(notConfigured(error)))),

      CompleteInstallation: ({ installationId, state }) =>
        Effect.gen(function* () {
          const payload = yield* github.verifyState(state)
          const decoded = Option.flatMap(payload, (text) => Schema.decodeUnknownOption(InstallState)(text))
          if (Option.isNone(decoded))
            return yield* ApiErrors.ValidationFailed.field(
              "state",
              "install-state",
              "must be the state of an install link made by Starform",
            )
          if (decoded.value.expiresAt < (yield* Clock.currentTimeMillis))
            return yield* ApiErrors.ValidationFailed.field(
              "state",
              "install-state",
              "has expired: install links are good for an hour; make a new one",
            )
          const info = yield* github.getInstallation(installationId).pipe(
            Effect.catchTags({
              GithubRefused: (refused) =>
                Effect.fail(
                  refused.status === 404
                    ? ApiErrors.NotFound.of("GitHub installation", String(installationId))
                    : new ApiErrors.Conflict({ message: refused.message }),
                ),
              GithubUnavailable: (error) => Effect.fail(new ApiErrors.Conflict({ message: error.message })),
              GithubNotConfigured: (error) => Effect.fail(notConfigured(error)),
            }),
          )
          const row = yield* installations.link({
            workspaceId: decoded.value.workspaceId,
            installationId: info.installationId,
            accountLogin: info.accountLogin,
            accountType: info.accountType,
            suspendedAt: info.suspendedAt,
          })
          return installationView(row)
        }).pipe(Effect.catchTag("GithubNotConfigured", (error) => Effect.fail(notConfigured(error)))),

      ListInstallations: ({ workspaceId }) =>
        Effect.map(installations.list(workspaceId), (rows) => rows.map(installationView)),

      ListRepositories: ({ installationId }) =>
        Effect.gen(function* () {
          const row = yield* installations.get(installationId)
          if (Option.isNone(row)) return yield* ApiErrors.NotFound.of("GitHub installation", installationId)
          if (row.value.status !== "active")
            return yield* new ApiErrors.Conflict({
              message: `The GitHub App installation on ${row.value.accountLogin} is ${row.value.status}: its repositories cannot be listed until it is active.`,
            })
          const token = yield* installations.token(row.value)
          return yield* github.listRepositories(token)
        }).pipe(
          Effect.catchTags({
            GithubRefused: (error) => Effect.fail(new ApiErrors.Conflict({ message: error.message })),
            GithubUnavailable: (error) => Effect.fail(new ApiErrors.Conflict({ message: error.message })),
            GithubNotConfigured: (error) => Effect.fail(notConfigured(error)),
          }),
        ),

      ListBuilds: ({ deploymentId }) =>
        Effect.flatMap(store.byDeployment(deploymentId), (rows) => Effect.forEach(rows, pipeline.viewOf)),

      GetBuild: ({ buildId }) => Effect.flatMap(build(buildId), pipeline.viewOf),

      GetSourceUpload: ({ sourceUploadId }) =>
        Effect.flatMap(uploads.get(sourceUploadId), (row) =>
          Option.isSome(row)
            ? Effect.succeed({ projectId: row.value.projectId, serviceId: row.value.serviceId })
            : Effect.fail(ApiErrors.NotFound.of("source upload", sourceUploadId)),
        ),

      CancelBuild: ({ buildId }) => pipeline.cancelBuild(buildId),

      GetBuildLogs: ({ buildId, after, limit }) =>
        Effect.gen(function* () {
          const row = yield* build(buildId)
          const lines = yield* logs.read(buildId, after, Math.min(Math.max(1, limit), 5000))
          return { lines, complete: row.reportedAt !== null || row.status === "cancelled" }
        }),

      WatchBuildLogs: ({ buildId, after }) =>
        Stream.unwrap(
          Effect.map(build(buildId), () =>
            logs.watch(
              buildId,
              after,
              Effect.map(store.get(buildId), (row) =>
                Option.match(row, {
                  onNone: () => true,
                  onSome: (r) => r.reportedAt !== null || r.status === "cancelled",
                }),
              ),
            ),
          ),
        ),

      GetBuildSettings: ({ serviceId, plan }) => settingsOf(serviceId, plan),

      UpdateBuildSettings: ({ serviceId, projectId, plan, request }) =>
        Effect.gen(function* () {
          if (request.timeoutSeconds !== null) {
            const refusal = Policy.timeoutRefusal(plan, request.timeoutSeconds)
            if (refusal !== undefined)
              return yield* ApiErrors.ValidationFailed.field("timeoutSeconds", "range", refusal)
          }
          const service = yield* projects
            .GetService({ serviceId })
            .pipe(Effect.catchCause(() => Effect.fail(ApiErrors.NotFound.of("service", serviceId))))
          if (service.projectId !== projectId) return yield* ApiErrors.NotFound.of("service", serviceId)
          yield* buildSettings.setTimeout({
            serviceId,
            projectId: service.projectId,
            environmentId: service.environmentId,
            timeoutSeconds: request.timeoutSeconds,
          })
          return yield* settingsOf(serviceId, plan)
        }),
    })
  }),
)

/** Everything below the RPC handlers (the pipeline's loop runs while it is alive). */
export const ServicesLive = Layer.mergeAll(GithubEvents.layer).pipe(
  Layer.provideMerge(Pipeline.layer),
  Layer.provideMerge(
    Layer.mergeAll(
      BuildStore.layer,
      BuildSettings.layer,
      BuildLogs.layer,
      Deliveries.layer,
      Installations.layer,
      SourceStore.layer,
      SourceUploads.layer,
    ),
  ),
)

/** The RPC routes, and the plain HTTP routes of source archives. */
export const routes = Layer.mergeAll(
  ServiceServer.layerHttp({ group: BuildsRpc.BuildsRpcs, path: BuildsRpc.path }).pipe(
    Layer.provide(Handlers),
    Layer.provide(BuildsRpc.serialization),
  ),
  SourceRoutes.layer,
).pipe(Layer.provideMerge(ServicesLive))

/** The builds service listening on `host:port`, its Jobs run by Kubernetes (a real cluster, or kube-sim). */
export const layer = (options: { readonly host: string; readonly port: number }) =>
  HttpRouter.serve(routes, { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provide(KubeRunner.layer),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { host: options.host, port: options.port })),
  )
