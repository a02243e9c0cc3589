import { ApiErrors, Auth, DeploymentsApi, type Ids, PublicApi } from "@starform/domain"
import { Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as BuildsClient from "../builds/BuildsClient.ts"
import { acting } from "./Acting.ts"
import * as DeploymentStream from "./DeploymentStream.ts"
import { call, layerFromUrl, ProjectsClient } from "./ProjectsClient.ts"

/**
 * The handlers of the projects, services, variables, deployments and regions groups: each endpoint → one call of the
 * projects service, whose errors are the API's own. Authorization is not here: every endpoint declares it in the
 * contract (`Auth.requires`) and `Auth.Authorization` applies it before a handler runs.
 */

const ProjectsGroup = HttpApiBuilder.group(PublicApi.Api, "projects", (handlers) =>
  Effect.map(ProjectsClient, (projects) =>
    handlers
      .handle("listProjects", ({ params }) => call(projects.ListProjects(params)))
      .handle("createProject", ({ params, payload }) => call(projects.CreateProject({ ...params, request: payload })))
      .handle("getProject", ({ params }) => call(projects.GetProject(params)))
      .handle("updateProject", ({ params, payload }) => call(projects.UpdateProject({ ...params, request: payload })))
      .handle("deleteProject", ({ params }) => call(projects.DeleteProject(params)))
      .handle("listEnvironments", ({ params }) => call(projects.ListEnvironments(params)))
      .handle("createEnvironment", ({ params, payload }) =>
        call(projects.CreateEnvironment({ ...params, request: payload })),
      )
      .handle("getEnvironment", ({ params }) => call(projects.GetEnvironment(params)))
      .handle("updateEnvironment", ({ params, payload }) =>
        call(projects.UpdateEnvironment({ ...params, request: payload })),
      )
      .handle("deleteEnvironment", ({ params }) => call(projects.DeleteEnvironment(params))),
  ),
)

const ServicesGroup = HttpApiBuilder.group(PublicApi.Api, "services", (handlers) =>
  Effect.map(ProjectsClient, (projects) =>
    handlers
      .handle("listServices", ({ params }) => call(projects.ListServices(params)))
      .handle("createService", ({ params, payload }) => call(projects.CreateService({ ...params, request: payload })))
      .handle("getService", ({ params }) => call(projects.GetService(params)))
      .handle("updateService", ({ params, payload }) => call(projects.UpdateService({ ...params, request: payload })))
      .handle("deleteService", ({ params }) => call(projects.DeleteService(params))),
  ),
)

const DomainsGroup = HttpApiBuilder.group(PublicApi.Api, "domains", (handlers) =>
  Effect.map(ProjectsClient, (projects) =>
    handlers
      .handle("listServiceDomains", ({ params }) => call(projects.ListServiceDomains(params)))
      .handle("changeGeneratedSubdomain", ({ params, payload }) =>
        Effect.flatMap(acting, (actor) =>
          call(projects.ChangeGeneratedSubdomain({ ...params, subdomain: payload.subdomain, actor })),
        ),
      ),
  ),
)

const VariablesGroup = HttpApiBuilder.group(PublicApi.Api, "variables", (handlers) =>
  Effect.map(ProjectsClient, (projects) =>
    handlers
      .handle("listServiceVariables", ({ params }) => call(projects.ListServiceVariables(params)))
      .handle("setServiceVariables", ({ params, payload }) =>
        call(projects.SetServiceVariables({ ...params, variables: payload.variables })),
      )
      .handle("deleteServiceVariable", ({ params }) => call(projects.DeleteServiceVariable(params)))
      .handle("revealServiceVariable", ({ params }) =>
        Effect.flatMap(acting, (actor) => call(projects.RevealServiceVariable({ ...params, actor }))),
      )
      .handle("listVarGroupLinks", ({ params }) => call(projects.ListVarGroupLinks(params)))
      .handle("linkVarGroups", ({ params, payload }) =>
        call(projects.LinkVarGroups({ ...params, varGroupIds: payload.varGroupIds })),
      )
      .handle("listVarGroups", ({ params }) => call(projects.ListVarGroups(params)))
      .handle("createVarGroup", ({ params, payload }) => call(projects.CreateVarGroup({ ...params, request: payload })))
      .handle("getVarGroup", ({ params }) => call(projects.GetVarGroup(params)))
      .handle("updateVarGroup", ({ params, payload }) => call(projects.UpdateVarGroup({ ...params, request: payload })))
      .handle("deleteVarGroup", ({ params }) => call(projects.DeleteVarGroup(params)))
      .handle("setVarGroupVariables", ({ params, payload }) =>
        call(projects.SetVarGroupVariables({ ...params, request: payload })),
      )
      .handle("deleteVarGroupVariable", ({ params, query }) =>
        call(projects.DeleteVarGroupVariable({ ...params, environmentId: query.environmentId ?? null })),
      )
      .handle("revealVarGroupVariable", ({ params, query }) =>
        Effect.flatMap(acting, (actor) =>
          call(projects.RevealVarGroupVariable({ ...params, environmentId: query.environmentId ?? null, actor })),
        ),
      ),
  ),
)

const DeploymentsGroup = HttpApiBuilder.group(PublicApi.Api, "deployments", (handlers) =>
  Effect.gen(function* () {
    const projects = yield* ProjectsClient
    const builds = yield* BuildsClient.BuildsClient
    const stopping = yield* DeploymentStream.Stopping
    /** An uploaded folder is deployed only to the service it was uploaded for (another's reads as missing). */
    const uploadOf = (serviceId: string, sourceUploadId: Ids.SourceUploadId | undefined) =>
      sourceUploadId === undefined
        ? Effect.void
        : BuildsClient.call(builds.GetSourceUpload({ sourceUploadId })).pipe(
            Effect.filterOrFail(
              (upload) => upload.serviceId === serviceId,
              () => ApiErrors.NotFound.of("source upload", sourceUploadId),
            ),
            Effect.asVoid,
          )
    return handlers
      .handle("listDeployments", ({ params, query }) =>
        call(projects.ListDeployments({ ...params, limit: query.limit ?? 20 })),
      )
      .handle("watchDeployments", ({ params, query }) =>
        Effect.succeed(DeploymentStream.watch(projects, stopping, params.environmentId, query.limit ?? 20)),
      )
      .handle("createDeployment", ({ params, headers, payload }) =>
        Effect.flatMap(
          Effect.andThen(uploadOf(params.serviceId, payload?.sourceUploadId), Auth.CurrentActor),
          (actor) =>
            call(
              projects.CreateDeployment({
                ...params,
                request: payload,
                trigger: DeploymentsApi.triggerOf(headers["user-agent"]),
                createdBy: actor.userId,
              }),
            ),
        ),
      )
      .handle("getDeployment", ({ params }) => call(projects.GetDeployment(params)))
      .handle("rollbackDeployment", ({ params }) =>
        Effect.flatMap(Auth.CurrentActor, (actor) =>
          call(projects.RollbackDeployment({ ...params, createdBy: actor.userId })),
        ),
      )
      .handle("redeployDeployment", ({ params }) =>
        Effect.flatMap(Auth.CurrentActor, (actor) =>
          call(projects.RedeployDeployment({ ...params, createdBy: actor.userId })),
        ),
      )
      .handle("cancelDeployment", ({ params }) => call(projects.CancelDeployment(params)))
  }),
)

/** Regions are the same for everyone signed in: no tenant, so no `Authorization`. */
const ClustersGroup = HttpApiBuilder.group(PublicApi.Api, "clusters", (handlers) =>
  Effect.map(ProjectsClient, (projects) => handlers.handle("listRegions", () => call(projects.ListRegions()))),
)

/** Every projects handler, with its client of the projects service (at `ProjectsUrl`). */
export const handlers = Layer.mergeAll(
  ProjectsGroup,
  ServicesGroup,
  DomainsGroup,
  VariablesGroup,
  DeploymentsGroup,
  ClustersGroup,
).pipe(Layer.provide(layerFromUrl), Layer.provide(BuildsClient.layerFromUrl))
