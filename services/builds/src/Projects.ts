import { ProjectsRpc } from "@starform/domain"
import { Context, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { RpcClient, type RpcClientError } from "effect/rpc"

/**
 * The projects service, as the builds service calls it: Effect RPC over HTTP (JSON) to `ProjectsRpc.path`.
 * Deployments are the projects service's; builds only asks it to create them for a push and tells it how each
 * build ended.
 */
export class Projects extends Context.Service<
  Projects,
  RpcClient.FromGroup<typeof ProjectsRpc.ProjectsRpcs, RpcClientError.RpcClientError>
>()("starform/builds/Projects") {
  /** The projects service listening at `url` (its base address, e.g. `http://127.0.0.1:8081`). */
  static readonly layer = (url: string) =>
    Layer.effect(Projects, RpcClient.make(ProjectsRpc.ProjectsRpcs)).pipe(
      Layer.provide(RpcClient.layerProtocolHttp({ url: `${url.replace(/\/+$/, "")}${ProjectsRpc.path}` })),
      Layer.provide(ProjectsRpc.serialization),
      Layer.provide(FetchHttpClient.layer),
    )
}

/** A call to the projects service that failed on the wire (not one of its answers): the caller retries later. */
export const unreachable = (what: string) => (cause: unknown) =>
  Effect.logWarning(`builds: ${what}: the projects service did not answer`, cause)
