import { Auth, PublicApi } from "@starform/domain"
import { Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { BuildsClient, call, layerFromUrl } from "../builds/BuildsClient.ts"
import { guardWorkspace } from "../projects/Access.ts"

/**
 * Connecting GitHub: an install link for a workspace, GitHub's setup callback that links the installation to the
 * link's workspace, the workspace's installations and an installation's repositories. Installations are the builds
 * service's; authorization is on the workspace they belong to.
 */

const GithubGroup = HttpApiBuilder.group(PublicApi.Api, "github", (handlers) =>
  Effect.gen(function* () {
    const builds = yield* BuildsClient
    return handlers
      .handle("createInstallLink", ({ params }) =>
        Effect.gen(function* () {
          yield* guardWorkspace("integration.manage", params.workspaceId)
          const actor = yield* Auth.CurrentActor
          return yield* call(builds.CreateInstallLink({ workspaceId: params.workspaceId, userId: actor.userId }))
        }),
      )
      .handle("listInstallations", ({ params }) =>
        Effect.andThen(
          guardWorkspace("integration.read", params.workspaceId),
          call(builds.ListInstallations({ workspaceId: params.workspaceId })),
        ),
      )
      .handle("listRepositories", ({ params }) =>
        Effect.gen(function* () {
          const tenant = yield* call(builds.Locate({ kind: "installation", id: params.installationId }))
          yield* Auth.authorize("integration.read", {
            workspaceId: tenant.workspaceId,
            resource: { type: "GitHub installation", id: params.installationId },
          })
          return yield* call(builds.ListRepositories({ installationId: params.installationId }))
        }),
      )
  }),
)

/** The browser comes back from GitHub without a bearer token: the install link's signed state names the workspace. */
const GithubSetupGroup = HttpApiBuilder.group(PublicApi.Api, "githubSetup", (handlers) =>
  Effect.gen(function* () {
    const builds = yield* BuildsClient
    return handlers.handle("completeInstallation", ({ query }) =>
      call(builds.CompleteInstallation({ installationId: query.installation_id, state: query.state })),
    )
  }),
)

export const handlers = Layer.mergeAll(GithubGroup, GithubSetupGroup).pipe(Layer.provide(layerFromUrl))
