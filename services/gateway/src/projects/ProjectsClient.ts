import { ProjectsRpc } from "@starform/domain"
import { ServiceClient } from "@starform/rpc"
import { Context, Effect, Layer } from "effect"
import * as ServiceRpc from "../rpc/ServiceRpc.ts"

/**
 * The gateway's only way to the projects service: its RPC contract over HTTP. A transport failure (the service
 * down) is a defect here, answered 500, never a misleading 4xx.
 */
export class ProjectsClient extends Context.Service<
  ProjectsClient,
  ServiceClient.Client<typeof ProjectsRpc.ProjectsRpcs>
>()("starform/gateway/ProjectsClient") {
  /** A client of the projects service at `baseUrl` (e.g. `http://127.0.0.1:8082`). */
  static readonly layer = (baseUrl: string) =>
    ServiceClient.layer(
      ProjectsClient,
      ProjectsRpc.ProjectsRpcs,
      ServiceRpc.options(baseUrl, ProjectsRpc.path, ProjectsRpc.serialization),
    )
}

/** Where the projects service listens: `PROJECTS_URL`, else its default port on this machine. */
export const ProjectsUrl = Context.Reference<string>("starform/gateway/ProjectsUrl", {
  defaultValue: () => process.env.PROJECTS_URL ?? "http://127.0.0.1:8082",
})

/** The client of the service at `ProjectsUrl`. */
export const layerFromUrl = Layer.unwrap(Effect.map(ProjectsUrl, ProjectsClient.layer))

/** A projects call whose transport failure is a defect (a 500), keeping only the call's own errors. */
export const call = ServiceClient.orDie("projects")
