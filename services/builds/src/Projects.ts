import { ProjectsRpc } from "@starform/domain"
import { ServiceClient } from "@starform/rpc"
import { Context, Effect } from "effect"

/**
 * The projects service, as the builds service calls it: Effect RPC over HTTP (JSON) to `ProjectsRpc.path`.
 * Deployments are the projects service's; builds only asks it to create them for a push and tells it how each
 * build ended.
 */
export class Projects extends Context.Service<Projects, ServiceClient.Client<typeof ProjectsRpc.ProjectsRpcs>>()(
  "starform/builds/Projects",
) {
  /** The projects service listening at `url` (its base address, e.g. `http://127.0.0.1:8081`); fetch, unbatched. */
  static readonly layer = (url: string) =>
    ServiceClient.layer(Projects, ProjectsRpc.ProjectsRpcs, {
      url,
      path: ProjectsRpc.path,
      serialization: ProjectsRpc.serialization,
    })
}

/** A call to the projects service that failed on the wire (not one of its answers): the caller retries later. */
export const unreachable = (what: string) => (cause: unknown) =>
  Effect.logWarning(`builds: ${what}: the projects service did not answer`, cause)
