import { Auth, PublicApi } from "@starform/domain"
import { Effect, Layer, Stream } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { IdentityClient, call as identityCall } from "../identity/IdentityClient.ts"
import { guard } from "../projects/Access.ts"
import { ProjectsClient, layerFromUrl as projectsFromUrl } from "../projects/ProjectsClient.ts"
import { BuildsClient, call, layerFromUrl } from "./BuildsClient.ts"

/**
 * The builds group: a deployment's builds, one build, cancelling it, its log, and a service's build settings. The
 * tenant comes from the resource (the builds service's `Locate` for a build, the projects service's for a
 * deployment or service); the plan that bounds build settings is the workspace's, from identity.
 */

/** Authorizes `action` on build `buildId`; another workspace's build reads exactly like a missing one. */
const guardBuild = (builds: BuildsClient["Service"], action: Auth.Action, buildId: string) =>
  Effect.gen(function* () {
    const tenant = yield* call(builds.Locate({ kind: "build", id: buildId }))
    yield* Auth.authorize(action, {
      workspaceId: tenant.workspaceId,
      projectId: tenant.projectId,
      resource: { type: "build", id: buildId },
    })
    return tenant
  })

const BuildsGroup = HttpApiBuilder.group(PublicApi.Api, "builds", (handlers) =>
  Effect.gen(function* () {
    const builds = yield* BuildsClient
    const projects = yield* ProjectsClient
    const identity = yield* IdentityClient
    const planOf = (workspaceId: Parameters<typeof identity.GetWorkspace>[0]["workspaceId"]) =>
      Effect.map(identityCall(identity.GetWorkspace({ workspaceId })), (workspace) => workspace.plan)
    return handlers
      .handle("listBuilds", ({ params }) =>
        Effect.andThen(
          guard(projects, "build.read", "deployment", params.deploymentId),
          call(builds.ListBuilds({ deploymentId: params.deploymentId })),
        ),
      )
      .handle("getBuild", ({ params }) =>
        Effect.andThen(
          guardBuild(builds, "build.read", params.buildId),
          call(builds.GetBuild({ buildId: params.buildId })),
        ),
      )
      .handle("cancelBuild", ({ params }) =>
        Effect.andThen(
          guardBuild(builds, "build.cancel", params.buildId),
          call(builds.CancelBuild({ buildId: params.buildId })),
        ),
      )
      .handle("getBuildLogs", ({ params, query }) =>
        Effect.andThen(
          guardBuild(builds, "build.read", params.buildId),
          call(builds.GetBuildLogs({ buildId: params.buildId, after: query.after ?? 0, limit: query.limit ?? 1000 })),
        ),
      )
      .handle("watchBuildLogs", ({ params, query }) =>
        Effect.map(guardBuild(builds, "build.read", params.buildId), () =>
          builds.WatchBuildLogs({ buildId: params.buildId, after: query.after ?? 0 }).pipe(Stream.orDie),
        ),
      )
      .handle("getBuildSettings", ({ params }) =>
        Effect.gen(function* () {
          const tenant = yield* guard(projects, "service.read", "service", params.serviceId)
          const plan = yield* planOf(tenant.workspaceId)
          return yield* call(builds.GetBuildSettings({ serviceId: params.serviceId, plan }))
        }),
      )
      .handle("updateBuildSettings", ({ params, payload }) =>
        Effect.gen(function* () {
          const tenant = yield* guard(projects, "service.update", "service", params.serviceId)
          const plan = yield* planOf(tenant.workspaceId)
          return yield* call(
            builds.UpdateBuildSettings({
              serviceId: params.serviceId,
              projectId: tenant.projectId,
              plan,
              request: payload,
            }),
          )
        }),
      )
  }),
)

export const handlers = Layer.mergeAll(BuildsGroup).pipe(Layer.provide(layerFromUrl), Layer.provide(projectsFromUrl))
