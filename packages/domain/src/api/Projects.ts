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
export const Instant = Schema.String.annotate({
  description: "An ISO 8601 instant in UTC.",
  examples: ["2026-05-01T12:00:00.000Z"],
  format: "date-time",
})

export const ProjectView = Schema.Struct({
  id: ProjectId.annotate({ description: "The project's id." }),
  workspaceId: WorkspaceId.annotate({ description: "The workspace the project belongs to." }),
  name: ProjectName.annotate({ description: "The project's name, unique in its workspace." }),
  description: Schema.NullOr(Schema.String).annotate({
    description: "What the project is, as its members wrote it; null: none.",
  }),
  /** Placement prefers clusters of this region; null: any region. */
  regionId: Schema.NullOr(RegionId).annotate({
    description: "The region placement prefers for new environments; null: any region.",
  }),
  /** Deployments kept per service (the serving and in-progress ones always are). */
  deploymentRetention: Schema.Int.annotate({
    description: "How many deployments per service are kept (the serving and in-progress ones always are).",
  }),
  createdAt: Instant.annotate({ description: "When the project was created." }),
  updatedAt: Instant.annotate({ description: "When the project was last changed." }),
}).annotate({
  identifier: "Project",
  description: "A project: services deployed together, in one or more environments.",
})
export type ProjectView = typeof ProjectView.Type

export const EnvironmentView = Schema.Struct({
  id: EnvironmentId.annotate({ description: "The environment's id." }),
  projectId: ProjectId.annotate({ description: "The project the environment belongs to." }),
  name: EnvironmentName.annotate({ description: "The environment's name, unique in its project." }),
  isEphemeral: Schema.Boolean.annotate({
    description: "Whether it is a preview environment (deleted with its pull request).",
  }),
  /** The Git branch whose pushes deploy here; null: none. */
  gitBranch: Schema.NullOr(Schema.String).annotate({
    description: "The Git branch whose pushes deploy here; null: none.",
  }),
  /** The cluster the environment runs on; null until one is available. */
  clusterId: Schema.NullOr(ClusterId).annotate({
    description: "The cluster the environment runs on; null until one is available.",
  }),
  clonedFromEnvironmentId: Schema.NullOr(EnvironmentId).annotate({
    description: "The environment it was copied from; null when it was created empty.",
  }),
  createdAt: Instant.annotate({ description: "When the environment was created." }),
  updatedAt: Instant.annotate({ description: "When the environment was last changed." }),
}).annotate({
  identifier: "Environment",
  description: "An environment of a project (e.g. `production`, `pr-42`): one namespace in one cluster.",
})
export type EnvironmentView = typeof EnvironmentView.Type

export const CreateProjectRequest = Schema.Struct({
  name: ProjectName.annotate({
    description: "The project's name: a lower-case RFC 1123 label, unique in the workspace.",
  }),
  description: Schema.optionalKey(Schema.NullOr(Description)).annotate({
    description: "What the project is; null or absent: none.",
  }),
  regionId: Schema.optionalKey(Schema.NullOr(RegionId)).annotate({
    description: "The region to prefer for placement (see `GET /v1/regions`); null or absent: any region.",
  }),
  deploymentRetention: Schema.optionalKey(DeploymentRetention).annotate({
    description: "Deployments kept per service (1 to 1000); default 20.",
  }),
})
export type CreateProjectRequest = typeof CreateProjectRequest.Type

export const UpdateProjectRequest = Schema.Struct({
  name: Schema.optionalKey(ProjectName).annotate({ description: "A new name for the project." }),
  description: Schema.optionalKey(Schema.NullOr(Description)).annotate({
    description: "A new description; null removes it.",
  }),
  regionId: Schema.optionalKey(Schema.NullOr(RegionId)).annotate({
    description: "The region to prefer for new environments; null: any region.",
  }),
  deploymentRetention: Schema.optionalKey(DeploymentRetention).annotate({
    description: "Deployments kept per service (1 to 1000).",
  }),
})
export type UpdateProjectRequest = typeof UpdateProjectRequest.Type

export const CreateEnvironmentRequest = Schema.Struct({
  name: EnvironmentName.annotate({
    description: "The environment's name: a lower-case RFC 1123 label of at most 30 characters, unique in the project.",
  }),
  isEphemeral: Schema.optionalKey(Schema.Boolean).annotate({
    description: "Whether it is a preview environment; default false.",
  }),
  gitBranch: Schema.optionalKey(Schema.NullOr(GitBranch)).annotate({
    description: "The Git branch whose pushes deploy to this environment; null or absent: none.",
  }),
  /** Copy another environment of the project: its services, their variables and configuration, its var-group values (no deployments). */
  cloneFrom: Schema.optionalKey(EnvironmentId).annotate({
    description:
      "Copy this environment of the project: its services, their variables and configuration, its var-group values (no deployments).",
  }),
})
export type CreateEnvironmentRequest = typeof CreateEnvironmentRequest.Type

export const UpdateEnvironmentRequest = Schema.Struct({
  name: Schema.optionalKey(EnvironmentName).annotate({ description: "A new name for the environment." }),
  gitBranch: Schema.optionalKey(Schema.NullOr(GitBranch)).annotate({
    description: "The Git branch whose pushes deploy here; null: none.",
  }),
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
      success: Schema.Array(ProjectView).annotate({ description: "The workspace's projects, by name." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("project.read", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "The projects of a workspace, by name")
      .annotate(OpenApi.Description, "Projects of the workspace the caller can see."),
    HttpApiEndpoint.post("createProject", "/v1/workspaces/:workspaceId/projects", {
      params: workspaceId,
      payload: CreateProjectRequest,
      success: ProjectView.pipe(HttpApiSchema.status(201)),
      error: errors,
    })
      .annotateMerge(Auth.requires("project.create", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "Create a project, with a production environment")
      .annotate(
        OpenApi.Description,
        "The project starts with a `production` environment. Its name is unique in the workspace (409 when taken).",
      ),
    HttpApiEndpoint.get("getProject", "/v1/projects/:projectId", {
      params: projectId,
      success: ProjectView,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("project.read", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "A project")
      .annotate(OpenApi.Description, "Any id the caller cannot see answers 404, like a missing one."),
    HttpApiEndpoint.patch("updateProject", "/v1/projects/:projectId", {
      params: projectId,
      payload: RequestBodies.optional(UpdateProjectRequest),
      success: ProjectView,
      error: errors,
    })
      .annotateMerge(Auth.requires("project.update", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "Rename a project, or change its description, region or deployment retention")
      .annotate(
        OpenApi.Description,
        "Only the fields sent change. A new name must be unique in the workspace (409 when taken).",
      ),
    HttpApiEndpoint.delete("deleteProject", "/v1/projects/:projectId", {
      success: HttpApiSchema.NoContent.annotate({ description: "The project is deleted." }),
      params: projectId,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("project.delete", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "Delete a project with its environments, services, deployments and variables")
      .annotate(
        OpenApi.Description,
        "Takes down everything the project runs, then deletes it with its environments, services, deployments and variables.",
      ),
    HttpApiEndpoint.get("listEnvironments", "/v1/projects/:projectId/environments", {
      params: projectId,
      success: Schema.Array(EnvironmentView).annotate({ description: "The project's environments." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("environment.read", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "The environments of a project")
      .annotate(OpenApi.Description, "Including preview environments (`isEphemeral`)."),
    HttpApiEndpoint.post("createEnvironment", "/v1/projects/:projectId/environments", {
      params: projectId,
      payload: CreateEnvironmentRequest,
      success: EnvironmentView.pipe(HttpApiSchema.status(201)),
      error: errors,
    })
      .annotateMerge(Auth.requires("environment.create", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "Create an environment, empty or cloned from another")
      .annotate(
        OpenApi.Description,
        "Empty, or a copy of another environment of the project (`cloneFrom`): its services, their variables and configuration, its var-group values, no deployments. Placement picks a cluster.",
      ),
    HttpApiEndpoint.get("getEnvironment", "/v1/environments/:environmentId", {
      params: environmentId,
      success: EnvironmentView,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("environment.read", Auth.ofResource("environment", "environmentId")))
      .annotate(OpenApi.Summary, "An environment")
      .annotate(OpenApi.Description, "Any id the caller cannot see answers 404, like a missing one."),
    HttpApiEndpoint.patch("updateEnvironment", "/v1/environments/:environmentId", {
      params: environmentId,
      payload: RequestBodies.optional(UpdateEnvironmentRequest),
      success: EnvironmentView,
      error: errors,
    })
      .annotateMerge(Auth.requires("environment.update", Auth.ofResource("environment", "environmentId")))
      .annotate(OpenApi.Summary, "Rename an environment or map a Git branch to it")
      .annotate(
        OpenApi.Description,
        "Only the fields sent change. Pushes to `gitBranch` deploy the environment's services that have auto-deploy on.",
      ),
    HttpApiEndpoint.delete("deleteEnvironment", "/v1/environments/:environmentId", {
      success: HttpApiSchema.NoContent.annotate({ description: "The environment is deleted." }),
      params: environmentId,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("environment.delete", Auth.ofResource("environment", "environmentId")))
      .annotate(OpenApi.Summary, "Delete an environment")
      .annotate(
        OpenApi.Description,
        "Takes down everything it runs, then deletes it with its services, deployments and variables.",
      ),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Projects and environments")
  .annotate(
    OpenApi.Description,
    "Projects (services deployed together) and their environments (`production`, `staging`, previews), each mapped to a Git branch and placed on a cluster.",
  )
