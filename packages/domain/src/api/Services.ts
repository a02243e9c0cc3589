import { Effect, Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import * as Auth from "../Auth.ts"
import { Authentication } from "../Auth.ts"
import { DeploymentId, EnvironmentId, ProjectId, ServiceId } from "../Ids.ts"
import { Hostname, ServiceName } from "../Names.ts"
import { CronSchedule, GitBranch, ImageRef, Port, RepoFullName, RootDirectory, ServiceType } from "../Projects.ts"
import * as RequestBodies from "../RequestBodies.ts"
import { ServiceConfig, ServiceConfigPatch } from "../ServiceConfig.ts"
import { Instant } from "./Projects.ts"

/** Services (web, worker, cron): their source, networking and configuration. */

/** Built from a GitHub repository's branch (in `rootDirectory`). */
export const RepoSource = Schema.Struct({
  type: Schema.tag("repo").annotate({ description: "`repo`: built from a repository." }),
  repoFullName: RepoFullName.annotate({ description: "The GitHub repository, as `owner/name`." }),
  branch: GitBranch.annotate({ description: "The branch to build." }),
  rootDirectory: RootDirectory.pipe(Schema.withDecodingDefaultKey(Effect.succeed("/"))).annotate({
    description: "Where in the repository the service's code lives; default `/`.",
  }),
}).annotate({ identifier: "RepoSource", description: "Built from a branch of a GitHub repository." })

/** Run from a ready-made image. */
export const ImageSource = Schema.Struct({
  type: Schema.tag("image").annotate({ description: "`image`: run from an image." }),
  imageRef: ImageRef.annotate({ description: "The image to run." }),
}).annotate({ identifier: "ImageSource", description: "Run from a ready-made container image." })

export const ServiceSource = Schema.Union([RepoSource, ImageSource]).annotate({
  message: "must be a source with type repo (repoFullName, branch) or image (imageRef)",
})
export type ServiceSource = typeof ServiceSource.Type

export const CreateServiceRequest = Schema.Struct({
  name: ServiceName.annotate({
    description: "The service's name, unique in the environment; also its in-cluster DNS name.",
  }),
  type: ServiceType.annotate({ description: "`web`, `worker` or `cron`." }),
  source: ServiceSource.annotate({ description: "Where the service's code comes from: a repository or an image." }),
  /** Required for a web service, absent otherwise. */
  port: Schema.optionalKey(Schema.NullOr(Port)).annotate({
    description: "The port a web service listens on: required for `web`, absent otherwise.",
  }),
  /** Required for a cron service, absent otherwise. */
  cronSchedule: Schema.optionalKey(Schema.NullOr(CronSchedule)).annotate({
    description: "When a cron service runs: required for `cron`, absent otherwise.",
  }),
  /** Only a web service can be public; default false (private). */
  isPublic: Schema.optionalKey(Schema.Boolean).annotate({
    description: "Whether the service gets a public URL; only a web service can be public. Default false (private).",
  }),
  /** Deploy on every push to the environment's branch; default true. */
  autoDeploy: Schema.optionalKey(Schema.Boolean).annotate({
    description: "Whether every push to the environment's branch deploys the service; default true.",
  }),
  config: Schema.optionalKey(ServiceConfig),
})
export type CreateServiceRequest = typeof CreateServiceRequest.Type

export const UpdateServiceRequest = Schema.Struct({
  name: Schema.optionalKey(ServiceName).annotate({ description: "A new name for the service." }),
  type: Schema.optionalKey(ServiceType).annotate({ description: "A new type: `web`, `worker` or `cron`." }),
  source: Schema.optionalKey(ServiceSource).annotate({ description: "A new source: a repository or an image." }),
  port: Schema.optionalKey(Schema.NullOr(Port)).annotate({
    description: "The port a web service listens on; null for other types.",
  }),
  cronSchedule: Schema.optionalKey(Schema.NullOr(CronSchedule)).annotate({
    description: "The schedule of a cron service; null for other types.",
  }),
  isPublic: Schema.optionalKey(Schema.Boolean).annotate({
    description: "Whether the service gets a public URL (web services only).",
  }),
  autoDeploy: Schema.optionalKey(Schema.Boolean).annotate({
    description: "Whether pushes to the environment's branch deploy the service.",
  }),
  /** Each section given replaces that section; the others stay. Takes effect at the next deploy. */
  config: Schema.optionalKey(ServiceConfigPatch),
})
export type UpdateServiceRequest = typeof UpdateServiceRequest.Type

export const ServiceView = Schema.Struct({
  id: ServiceId.annotate({ description: "The service's id." }),
  projectId: ProjectId.annotate({ description: "The project the service belongs to." }),
  environmentId: EnvironmentId.annotate({ description: "The environment the service runs in." }),
  name: ServiceName.annotate({ description: "The service's name, unique in its environment." }),
  type: ServiceType.annotate({ description: "`web`, `worker` or `cron`." }),
  source: ServiceSource.annotate({ description: "Where the service's code comes from." }),
  port: Schema.NullOr(Schema.Int).annotate({
    description: "The port a web service listens on; null for workers and cron jobs.",
  }),
  cronSchedule: Schema.NullOr(Schema.String).annotate({
    description: "When a cron service runs; null for other types.",
  }),
  isPublic: Schema.Boolean.annotate({ description: "Whether the service has a public URL." }),
  autoDeploy: Schema.Boolean.annotate({ description: "Whether pushes to the environment's branch deploy it." }),
  /** Why Starform turned auto-deploy off (e.g. the GitHub App was uninstalled); null when it did not. */
  autoDeployDisabledReason: Schema.NullOr(Schema.String).annotate({
    description: "Why Starform turned auto-deploy off (e.g. the GitHub App was uninstalled); null when it did not.",
  }),
  config: ServiceConfig,
  /** The release serving now; null before the first deploy succeeds. */
  activeDeploymentId: Schema.NullOr(DeploymentId).annotate({
    description: "The deployment serving now; null before the first deploy succeeds.",
  }),
  /** The generated domain's address for a public web service; null otherwise (`domainsReason` says why). */
  url: Schema.NullOr(Schema.String).annotate({
    description:
      "The public address, `https://<generated hostname>`, of a public web service; null for private services, workers and cron jobs.",
  }),
  domains: Schema.Array(Hostname).annotate({
    description: "The hostnames routed to the service (`GET /v1/services/{serviceId}/domains` for details).",
  }),
  domainsReason: Schema.NullOr(Schema.String).annotate({
    description: "Why the service has no public address; null when it has one.",
  }),
  createdAt: Instant.annotate({ description: "When the service was created." }),
  updatedAt: Instant.annotate({ description: "When the service was last changed." }),
}).annotate({
  identifier: "Service",
  description: "A service of an environment: a web service, a worker or a cron job.",
})
export type ServiceView = typeof ServiceView.Type

const environmentId = { environmentId: EnvironmentId }
const serviceId = { serviceId: ServiceId }
const errors = [ValidationFailed, Forbidden, NotFound, Conflict]

export const ServicesGroup = HttpApiGroup.make("services")
  .add(
    HttpApiEndpoint.get("listServices", "/v1/environments/:environmentId/services", {
      params: environmentId,
      success: Schema.Array(ServiceView).annotate({ description: "The environment's services." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("service.read", Auth.ofResource("environment", "environmentId")))
      .annotate(OpenApi.Summary, "The services of an environment")
      .annotate(OpenApi.Description, "Web services, workers and cron jobs, by name."),
    HttpApiEndpoint.post("createService", "/v1/environments/:environmentId/services", {
      params: environmentId,
      payload: CreateServiceRequest,
      success: ServiceView.pipe(HttpApiSchema.status(201)),
      error: errors,
    })
      .annotateMerge(Auth.requires("service.create", Auth.ofResource("environment", "environmentId")))
      .annotate(OpenApi.Summary, "Create a web service, worker or cron job")
      .annotate(
        OpenApi.Description,
        "A web service listens on `port` and may be public; a worker runs continuously; a cron job runs on `cronSchedule`. Nothing runs until the first deployment (a push to the environment's branch, or `POST /v1/services/{serviceId}/deployments`).",
      ),
    HttpApiEndpoint.get("getService", "/v1/services/:serviceId", {
      params: serviceId,
      success: ServiceView,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("service.read", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "A service")
      .annotate(OpenApi.Description, "With its configuration and the deployment serving now."),
    HttpApiEndpoint.patch("updateService", "/v1/services/:serviceId", {
      params: serviceId,
      payload: RequestBodies.optional(UpdateServiceRequest),
      success: ServiceView,
      error: errors,
    })
      .annotateMerge(Auth.requires("service.update", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Change a service; configuration changes take effect at its next deploy")
      .annotate(OpenApi.Description, "Only the fields sent change; `config` sections replace whole sections."),
    HttpApiEndpoint.delete("deleteService", "/v1/services/:serviceId", {
      success: HttpApiSchema.NoContent.annotate({ description: "The service is deleted." }),
      params: serviceId,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("service.delete", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Delete a service")
      .annotate(OpenApi.Description, "Stops what it runs and deletes it with its deployments and variables."),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Services")
  .annotate(
    OpenApi.Description,
    "Web services, workers and cron jobs: their source (a GitHub repository or an image), networking and configuration (probes, scaling, resources, commands, volumes).",
  )
