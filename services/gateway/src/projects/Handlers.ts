import { DeploymentsApi, PublicApi } from "@starform/domain"
import { Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { acting, guard, guardWorkspace } from "./Access.ts"
import { call, layerFromUrl, ProjectsClient } from "./ProjectsClient.ts"

/**
 * The handlers of the projects, services, variables, deployments and regions groups. Each one authorizes on the
 * tenant read from the resource (see `Access`), then calls the projects service, whose errors are the API's own.
 */

const ProjectsGroup = HttpApiBuilder.group(PublicApi.Api, "projects", (handlers) =>
  Effect.gen(function* () {
    const projects = yield* ProjectsClient
    return handlers
      .handle("listProjects", ({ params }) =>
        Effect.andThen(
          guardWorkspace("project.read", params.workspaceId),
          call(projects.ListProjects({ workspaceId: params.workspaceId })),
        ),
      )
      .handle("createProject", ({ params, payload }) =>
        Effect.andThen(
          guardWorkspace("project.create", params.workspaceId),
          call(projects.CreateProject({ workspaceId: params.workspaceId, request: payload })),
        ),
      )
      .handle("getProject", ({ params }) =>
        Effect.andThen(
          guard(projects, "project.read", "project", params.projectId),
          call(projects.GetProject({ projectId: params.projectId })),
        ),
      )
      .handle("updateProject", ({ params, payload }) =>
        Effect.andThen(
          guard(projects, "project.update", "project", params.projectId),
          call(projects.UpdateProject({ projectId: params.projectId, request: payload })),
        ),
      )
      .handle("deleteProject", ({ params }) =>
        Effect.andThen(
          guard(projects, "project.delete", "project", params.projectId),
          call(projects.DeleteProject({ projectId: params.projectId })),
        ),
      )
      .handle("listEnvironments", ({ params }) =>
        Effect.andThen(
          guard(projects, "environment.read", "project", params.projectId),
          call(projects.ListEnvironments({ projectId: params.projectId })),
        ),
      )
      .handle("createEnvironment", ({ params, payload }) =>
        Effect.andThen(
          guard(projects, "environment.create", "project", params.projectId),
          call(projects.CreateEnvironment({ projectId: params.projectId, request: payload })),
        ),
      )
      .handle("getEnvironment", ({ params }) =>
        Effect.andThen(
          guard(projects, "environment.read", "environment", params.environmentId),
          call(projects.GetEnvironment({ environmentId: params.environmentId })),
        ),
      )
      .handle("updateEnvironment", ({ params, payload }) =>
        Effect.andThen(
          guard(projects, "environment.update", "environment", params.environmentId),
          call(projects.UpdateEnvironment({ environmentId: params.environmentId, request: payload })),
        ),
      )
      .handle("deleteEnvironment", ({ params }) =>
        Effect.andThen(
          guard(projects, "environment.delete", "environment", params.environmentId),
          call(projects.DeleteEnvironment({ environmentId: params.environmentId })),
        ),
      )
  }),
)

const ServicesGroup = HttpApiBuilder.group(PublicApi.Api, "services", (handlers) =>
  Effect.gen(function* () {
    const projects = yield* ProjectsClient
    return handlers
      .handle("listServices", ({ params }) =>
        Effect.andThen(
          guard(projects, "service.read", "environment", params.environmentId),
          call(projects.ListServices({ environmentId: params.environmentId })),
        ),
      )
      .handle("createService", ({ params, payload }) =>
        Effect.andThen(
          guard(projects, "service.create", "environment", params.environmentId),
          call(projects.CreateService({ environmentId: params.environmentId, request: payload })),
        ),
      )
      .handle("getService", ({ params }) =>
        Effect.andThen(
          guard(projects, "service.read", "service", params.serviceId),
          call(projects.GetService({ serviceId: params.serviceId })),
        ),
      )
      .handle("updateService", ({ params, payload }) =>
        Effect.andThen(
          guard(projects, "service.update", "service", params.serviceId),
          call(projects.UpdateService({ serviceId: params.serviceId, request: payload })),
        ),
      )
      .handle("deleteService", ({ params }) =>
        Effect.andThen(
          guard(projects, "service.delete", "service", params.serviceId),
          call(projects.DeleteService({ serviceId: params.serviceId })),
        ),
      )
  }),
)

const VariablesGroup = HttpApiBuilder.group(PublicApi.Api, "variables", (handlers) =>
  Effect.gen(function* () {
    const projects = yield* ProjectsClient
    return handlers
      .handle("listServiceVariables", ({ params }) =>
        Effect.andThen(
          guard(projects, "variable.read", "service", params.serviceId),
          call(projects.ListServiceVariables({ serviceId: params.serviceId })),
        ),
      )
      .handle("setServiceVariables", ({ params, payload }) =>
        Effect.andThen(
          guard(projects, "variable.write", "service", params.serviceId),
          call(projects.SetServiceVariables({ serviceId: params.serviceId, variables: payload.variables })),
        ),
      )
      .handle("deleteServiceVariable", ({ params }) =>
        Effect.andThen(
          guard(projects, "variable.write", "service", params.serviceId),
          call(projects.DeleteServiceVariable({ serviceId: params.serviceId, key: params.key })),
        ),
      )
      .handle("revealServiceVariable", ({ params }) =>
        Effect.gen(function* () {
          yield* guard(projects, "variable.reveal", "service", params.serviceId)
          const actor = yield* acting
          return yield* call(projects.RevealServiceVariable({ serviceId: params.serviceId, key: params.key, actor }))
        }),
      )
      .handle("listVarGroupLinks", ({ params }) =>
        Effect.andThen(
          guard(projects, "variable.read", "service", params.serviceId),
          call(projects.ListVarGroupLinks({ serviceId: params.serviceId })),
        ),
      )
      .handle("linkVarGroups", ({ params, payload }) =>
        Effect.andThen(
          guard(projects, "variable.write", "service", params.serviceId),
          call(projects.LinkVarGroups({ serviceId: params.serviceId, varGroupIds: payload.varGroupIds })),
        ),
      )
      .handle("listVarGroups", ({ params }) =>
        Effect.andThen(
          guard(projects, "variable.read", "project", params.projectId),
          call(projects.ListVarGroups({ projectId: params.projectId })),
        ),
      )
      .handle("createVarGroup", ({ params, payload }) =>
        Effect.andThen(
          guard(projects, "variable.write", "project", params.projectId),
          call(projects.CreateVarGroup({ projectId: params.projectId, request: payload })),
        ),
      )
      .handle("getVarGroup", ({ params }) =>
        Effect.andThen(
          guard(projects, "variable.read", "varGroup", params.varGroupId),
          call(projects.GetVarGroup({ varGroupId: params.varGroupId })),
        ),
      )
      .handle("updateVarGroup", ({ params, payload }) =>
        Effect.andThen(
          guard(projects, "variable.write", "varGroup", params.varGroupId),
          call(projects.UpdateVarGroup({ varGroupId: params.varGroupId, request: payload })),
        ),
      )
      .handle("deleteVarGroup", ({ params }) =>
        Effect.andThen(
          guard(projects, "variable.write", "varGroup", params.varGroupId),
          call(projects.DeleteVarGroup({ varGroupId: params.varGroupId })),
        ),
      )
      .handle("setVarGroupVariables", ({ params, payload }) =>
        Effect.andThen(
          guard(projects, "variable.write", "varGroup", params.varGroupId),
          call(projects.SetVarGroupVariables({ varGroupId: params.varGroupId, request: payload })),
        ),
      )
      .handle("deleteVarGroupVariable", ({ params, query }) =>
        Effect.andThen(
          guard(projects, "variable.write", "varGroup", params.varGroupId),
          call(
            projects.DeleteVarGroupVariable({
              varGroupId: params.varGroupId,
              key: params.key,
              environmentId: query.environmentId ?? null,
            }),
          ),
        ),
      )
      .handle("revealVarGroupVariable", ({ params, query }) =>
        Effect.gen(function* () {
          yield* guard(projects, "variable.reveal", "varGroup", params.varGroupId)
          const actor = yield* acting
          return yield* call(
            projects.RevealVarGroupVariable({
              varGroupId: params.varGroupId,
              key: params.key,
              environmentId: query.environmentId ?? null,
              actor,
            }),
          )
        }),
      )
  }),
)

const DeploymentsGroup = HttpApiBuilder.group(PublicApi.Api, "deployments", (handlers) =>
  Effect.gen(function* () {
    const projects = yield* ProjectsClient
    return handlers
      .handle("listDeployments", ({ params, query }) =>
        Effect.andThen(
          guard(projects, "deployment.read", "service", params.serviceId),
          call(projects.ListDeployments({ serviceId: params.serviceId, limit: query.limit ?? 20 })),
        ),
      )
      .handle("createDeployment", ({ params, headers, payload }) =>
        Effect.gen(function* () {
          yield* guard(projects, "deployment.create", "service", params.serviceId)
          const actor = yield* acting
          return yield* call(
            projects.CreateDeployment({
              serviceId: params.serviceId,
              request: payload,
              trigger: DeploymentsApi.triggerOf(headers["user-agent"]),
              createdBy: actor.userId,
            }),
          )
        }),
      )
      .handle("getDeployment", ({ params }) =>
        Effect.andThen(
          guard(projects, "deployment.read", "deployment", params.deploymentId),
          call(projects.GetDeployment({ deploymentId: params.deploymentId })),
        ),
      )
      .handle("rollbackDeployment", ({ params }) =>
        Effect.gen(function* () {
          yield* guard(projects, "deployment.rollback", "deployment", params.deploymentId)
          const actor = yield* acting
          return yield* call(
            projects.RollbackDeployment({ deploymentId: params.deploymentId, createdBy: actor.userId }),
          )
        }),
      )
      .handle("redeployDeployment", ({ params }) =>
        Effect.gen(function* () {
          yield* guard(projects, "deployment.create", "deployment", params.deploymentId)
          const actor = yield* acting
          return yield* call(
            projects.RedeployDeployment({ deploymentId: params.deploymentId, createdBy: actor.userId }),
          )
        }),
      )
      .handle("cancelDeployment", ({ params }) =>
        Effect.andThen(
          guard(projects, "deployment.cancel", "deployment", params.deploymentId),
          call(projects.CancelDeployment({ deploymentId: params.deploymentId })),
        ),
      )
  }),
)

/** Regions are the same for everyone signed in: no tenant to authorize against. */
const ClustersGroup = HttpApiBuilder.group(PublicApi.Api, "clusters", (handlers) =>
  Effect.gen(function* () {
    const projects = yield* ProjectsClient
    return handlers.handle("listRegions", () => call(projects.ListRegions()))
  }),
)

/** Every projects handler, with its client of the projects service (at `ProjectsUrl`). */
export const handlers = Layer.mergeAll(
  ProjectsGroup,
  ServicesGroup,
  VariablesGroup,
  DeploymentsGroup,
  ClustersGroup,
).pipe(Layer.provide(layerFromUrl))
