import { Auth, PublicApi } from "@starform/domain"
import { Effect, Layer, Stream } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { IdentityClient, call as identityCall } from "../identity/IdentityClient.ts"
import { BuildsClient, call, layerFromUrl } from "./BuildsClient.ts"
import { SourceUploads } from "./SourceUploads.ts"

/**
 * The builds group: a deployment's builds, one build, cancelling it, its log, and a service's build settings, each
 * one call of the builds service. `Auth.Authorization` has authorized the request on the tenant of the resource (the
 * builds service's `Locate` for a build, the projects service's for a deployment or service) before a handler runs;
 * the plan that bounds build settings is the tenant's workspace's, from identity.
 */

const BuildsGroup = HttpApiBuilder.group(PublicApi.Api, "builds", (handlers) =>
  Effect.gen(function* () {
    const builds = yield* BuildsClient
    const identity = yield* IdentityClient
    const sources = yield* SourceUploads
    /** The service's project and its workspace's plan. */
    const planned = Effect.gen(function* () {
      const tenant = yield* Auth.CurrentTenant
      const workspace = yield* identityCall(identity.GetWorkspace({ workspaceId: tenant.workspaceId }))
      // A service's tenant always has a project (the projects service's `Locate`).
      return { projectId: tenant.projectId!, plan: workspace.plan }
    })
    return handlers
      .handle("listBuilds", ({ params }) => call(builds.ListBuilds(params)))
      .handle("getBuild", ({ params }) => call(builds.GetBuild(params)))
      .handle("cancelBuild", ({ params }) => call(builds.CancelBuild(params)))
      .handle("getBuildLogs", ({ params, query }) =>
        call(builds.GetBuildLogs({ ...params, after: query.after ?? 0, limit: query.limit ?? 1000 })),
      )
      .handle("watchBuildLogs", ({ params, query }) =>
        Effect.succeed(builds.WatchBuildLogs({ ...params, after: query.after ?? 0 }).pipe(Stream.orDie)),
      )
      .handle("uploadSource", ({ params, payload }) =>
        Effect.gen(function* () {
          const tenant = yield* Auth.CurrentTenant
          const actor = yield* Auth.CurrentActor
          const request = yield* HttpServerRequest.HttpServerRequest
          const length = request.headers["content-length"]
          return yield* sources.upload(
            {
              serviceId: params.serviceId,
              // a service's tenant always has a project (the projects service's `Locate`)
              projectId: tenant.projectId!,
              workspaceId: tenant.workspaceId,
              createdBy: actor.userId,
              contentLength: length === undefined ? undefined : Number(length),
            },
            payload,
          )
        }),
      )
      .handle("getBuildSettings", ({ params }) =>
        Effect.flatMap(planned, ({ plan }) => call(builds.GetBuildSettings({ ...params, plan }))),
      )
      .handle("updateBuildSettings", ({ params, payload }) =>
        Effect.flatMap(planned, ({ projectId, plan }) =>
          call(builds.UpdateBuildSettings({ ...params, projectId, plan, request: payload })),
        ),
      )
  }),
)

export const handlers = BuildsGroup.pipe(Layer.provide(layerFromUrl), Layer.provide(SourceUploads.layer))
