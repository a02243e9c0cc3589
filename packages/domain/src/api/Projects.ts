import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import * as Auth from "../Auth.ts"
import { Authentication } from "../Auth.ts"
import { ClusterId, EnvironmentId, ProjectId, RegionId, WorkspaceId } from "../Ids.ts"
import { EnvironmentName, ProjectName } from "../Names.ts"
import { DeploymentRetention, Description, GitBranch } from "../Projects.ts"
import * as RequestBodies from "../RequestBodies.ts"

/** Projects and their environments (with the Git branch that deploys to each). */

/** An instant as ISO 8601 in UTC, e.g. `2026-05-01T12:00:00.000Z`. */
export const Instant = Schema.String.annotate({ description: "an ISO 8601 instant in UTC" })

export const ProjectView = Schema.Struct({
  id: ProjectId,
  workspaceId: WorkspaceId,
  name: ProjectName,
  description: Schema.NullOr(Schema.String),
  /** Placement prefers clusters of this region; null: any region. */
  regionId: Schema.NullOr(RegionId),
  /** Deployments kept per service (the serving and in-progress ones always are). */
  deploymentRetention: Schema.Int,
  createdAt: Instant,
  updatedAt: Instant,
})
export type ProjectView = typeof ProjectView.Type

export const EnvironmentView = Schema.Struct({
  id: EnvironmentId,
  projectId: ProjectId,
  name: EnvironmentName,
  isEphemeral: Schema.Boolean,
  /** The Git branch whose pushes deploy here; null: none. */
  gitBranch: Schema.NullOr(Schema.String),
  /** The cluster the environment runs on; null until one is available. */
  clusterId: Schema.NullOr(ClusterId),
  clonedFromEnvironmentId: Schema.NullOr(EnvironmentId),
  createdAt: Instant,
  updatedAt: Instant,
})
export type EnvironmentView = typeof EnvironmentView.Type

export const CreateProjectRequest = Schema.Struct({
  name: ProjectName,
  description: Schema.optionalKey(Schema.NullOr(Description)),
  regionId: Schema.optionalKey(Schema.NullOr(RegionId)),
  deploymentRetention: Schema.optionalKey(DeploymentRetention),
})
export type CreateProjectRequest = typeof CreateProjectRequest.Type

export const UpdateProjectRequest = Schema.Struct({
  name: Schema.optionalKey(ProjectName),
  description: Schema.optionalKey(Schema.NullOr(Description)),
  regionId: Schema.optionalKey(Schema.NullOr(RegionId)),
  deploymentRetention: Schema.optionalKey(DeploymentRetention),
})
export type UpdateProjectRequest = typeof UpdateProjectRequest.Type

export const CreateEnvironmentRequest = Schema.Struct({
  name: EnvironmentName,
  isEphemeral: Schema.optionalKey(Schema.Boolean),
  gitBranch: Schema.optionalKey(Schema.NullOr(GitBranch)),
  /** Copy another environment of the project: its services, their variables and configuration, its var-group values (no deployments). */
  cloneFrom: Schema.optionalKey(EnvironmentId),
})
export type CreateEnvironmentRequest = typeof CreateEnvironmentRequest.Type

export const UpdateEnvironmentRequest = Schema.Struct({
  name: Schema.optionalKey(EnvironmentName),
  gitBranch: Schema.optionalKey(Schema.NullOr(GitBranch)),
})
export type UpdateEnvironmentRequest = typeof UpdateEnvironmentRequest.Type

const workspaceId = { workspaceId: WorkspaceId }
const projectId = { projectId: ProjectId }
const environmentId = { environmentId: EnvironmentId }
const errors = [ValidationFailed, Forbidden, NotFound, Conflict]

export const ProjectsGroup = HttpApiGroup.make("projects")
  .add(
    HttpApiEndpoint.get("listProjects", "/v1/workspaces/:workspaceId/projects", {
      params: workspaceId,
      success: Schema.Array(ProjectView),
      error: [Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("project.read", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "The projects of a workspace, by name"),
    HttpApiEndpoint.post("createProject", "/v1/workspaces/:workspaceId/projects", {
      params: workspaceId,
      payload: CreateProjectRequest,
      success: ProjectView.pipe(HttpApiSchema.status(201)),
      error: errors,
    })
      .annotateMerge(Auth.requires("project.create", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "Create a project, with a production environment"),
    HttpApiEndpoint.get("getProject", "/v1/projects/:projectId", {
      params: projectId,
      success: ProjectView,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("project.read", Auth.ofResource("project", "projectId"))),
    HttpApiEndpoint.patch("updateProject", "/v1/projects/:projectId", {
      params: projectId,
      payload: RequestBodies.optional(UpdateProjectRequest),
      success: ProjectView,
      error: errors,
    })
      .annotateMerge(Auth.requires("project.update", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "Rename a project, or change its description, region or deployment retention"),
    HttpApiEndpoint.delete("deleteProject", "/v1/projects/:projectId", {
      params: projectId,
      error: [Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("project.delete", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "Delete a project with its environments, services, deployments and variables"),
    HttpApiEndpoint.get("listEnvironments", "/v1/projects/:projectId/environments", {
      params: projectId,
      success: Schema.Array(EnvironmentView),
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("environment.read", Auth.ofResource("project", "projectId"))),
    HttpApiEndpoint.post("createEnvironment", "/v1/projects/:projectId/environments", {
      params: projectId,
      payload: CreateEnvironmentRequest,
      success: EnvironmentView.pipe(HttpApiSchema.status(201)),
      error: errors,
    })
      .annotateMerge(Auth.requires("environment.create", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "Create an environment, empty or cloned from another"),
    HttpApiEndpoint.get("getEnvironment", "/v1/environments/:environmentId", {
      params: environmentId,
      success: EnvironmentView,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("environment.read", Auth.ofResource("environment", "environmentId"))),
    HttpApiEndpoint.patch("updateEnvironment", "/v1/environments/:environmentId", {
      params: environmentId,
      payload: RequestBodies.optional(UpdateEnvironmentRequest),
      success: EnvironmentView,
      error: errors,
    })
      .annotateMerge(Auth.requires("environment.update", Auth.ofResource("environment", "environmentId")))
      .annotate(OpenApi.Summary, "Rename an environment or map a Git branch to it"),
    HttpApiEndpoint.delete("deleteEnvironment", "/v1/environments/:environmentId", {
      params: environmentId,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("environment.delete", Auth.ofResource("environment", "environmentId"))),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Projects and environments")
