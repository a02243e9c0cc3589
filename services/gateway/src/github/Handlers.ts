import { Auth, PublicApi } from "@starform/domain"
import { Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { BuildsClient, call, layerFromUrl } from "../builds/BuildsClient.ts"

/**
 * Connecting GitHub: an install link for a workspace, GitHub's setup callback that links the installation to the
 * link's workspace, the workspace's installations and an installation's repositories. Installations are the builds
 * service's; `Auth.Authorization` authorizes on the workspace they belong to before a handler runs.
 */

const GithubGroup = HttpApiBuilder.group(PublicApi.Api, "github", (handlers) =>
  Effect.map(BuildsClient, (builds) =>
    handlers
      .handle("createInstallLink", ({ params }) =>
        Effect.flatMap(Auth.CurrentActor, (actor) =>
          call(builds.CreateInstallLink({ ...params, userId: actor.userId })),
        ),
      )
      .handle("listInstallations", ({ params }) => call(builds.ListInstallations(params)))
      .handle("listRepositories", ({ params }) => call(builds.ListRepositories(params))),
  ),
)

/** The browser comes back from GitHub without a bearer token: the install link's signed state names the workspace. */
const GithubSetupGroup = HttpApiBuilder.group(PublicApi.Api, "githubSetup", (handlers) =>
  Effect.map(BuildsClient, (builds) =>
    handlers.handle("completeInstallation", ({ query }) =>
      call(builds.CompleteInstallation({ installationId: query.installation_id, state: query.state })),
    ),
  ),
)

export const handlers = Layer.mergeAll(GithubGroup, GithubSetupGroup).pipe(Layer.provide(layerFromUrl))
