import { Effect, Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import * as Auth from "../Auth.ts"
import { Authentication } from "../Auth.ts"
import { DeploymentId, EnvironmentId, ProjectId, ServiceId } from "../Ids.ts"
import { ServiceName } from "../Names.ts"
import { CronSchedule, GitBranch, ImageRef, Port, RepoFullName, RootDirectory, ServiceType } from "../Projects.ts"
import * as RequestBodies from "../RequestBodies.ts"
import { ServiceConfig, ServiceConfigPatch } from "../ServiceConfig.ts"
import { Instant } from "./Projects.ts"

/** Services (web, worker, cron): their source, networking and configuration. */

/** Built from a GitHub repository's branch (in `rootDirectory`). */
export const RepoSource = Schema.Struct({
  type: Schema.tag("repo"),
  repoFullName: RepoFullName,
  branch: GitBranch,
  rootDirectory: RootDirectory.pipe(Schema.withDecodingDefaultKey(Effect.succeed("/"))),
})

/** Run from a ready-made image. */
export const ImageSource = Schema.Struct({ type: Schema.tag("image"), imageRef: ImageRef })

export const ServiceSource = Schema.Union([RepoSource, ImageSource]).annotate({
  message: "must be a source with type repo (repoFullName, branch) or image (imageRef)",
})
export type ServiceSource = typeof ServiceSource.Type

export const CreateServiceRequest = Schema.Struct({
  name: ServiceName,
  type: ServiceType,
  source: ServiceSource,
  /** Required for a web service, absent otherwise. */
  port: Schema.optionalKey(Schema.NullOr(Port)),
  /** Required for a cron service, absent otherwise. */
  cronSchedule: Schema.optionalKey(Schema.NullOr(CronSchedule)),
  /** Only a web service can be public; default false (private). */
  isPublic: Schema.optionalKey(Schema.Boolean),
  /** Deploy on every push to the environment's branch; default true. */
  autoDeploy: Schema.optionalKey(Schema.Boolean),
  config: Schema.optionalKey(ServiceConfig),
})
export type CreateServiceRequest = typeof CreateServiceRequest.Type

export const UpdateServiceRequest = Schema.Struct({
  name: Schema.optionalKey(ServiceName),
  type: Schema.optionalKey(ServiceType),
  source: Schema.optionalKey(ServiceSource),
  port: Schema.optionalKey(Schema.NullOr(Port)),
  cronSchedule: Schema.optionalKey(Schema.NullOr(CronSchedule)),
  isPublic: Schema.optionalKey(Schema.Boolean),
  autoDeploy: Schema.optionalKey(Schema.Boolean),
  /** Each section given replaces that section; the others stay. Takes effect at the next deploy. */
  config: Schema.optionalKey(ServiceConfigPatch),
})
export type UpdateServiceRequest = typeof UpdateServiceRequest.Type

export const ServiceView = Schema.Struct({
  id: ServiceId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  name: ServiceName,
  type: ServiceType,
  source: ServiceSource,
  port: Schema.NullOr(Schema.Int),
  cronSchedule: Schema.NullOr(Schema.String),
  isPublic: Schema.Boolean,
  autoDeploy: Schema.Boolean,
  /** Why Starform turned auto-deploy off (e.g. the GitHub App was uninstalled); null when it did not. */
  autoDeployDisabledReason: Schema.NullOr(Schema.String),
  config: ServiceConfig,
  /** The release serving now; null before the first deploy succeeds. */
  activeDeploymentId: Schema.NullOr(DeploymentId),
  createdAt: Instant,
  updatedAt: Instant,
})
export type ServiceView = typeof ServiceView.Type

const environmentId = { environmentId: EnvironmentId }
const serviceId = { serviceId: ServiceId }
const errors = [ValidationFailed, Forbidden, NotFound, Conflict]

export const ServicesGroup = HttpApiGroup.make("services")
  .add(
    HttpApiEndpoint.get("listServices", "/v1/environments/:environmentId/services", {
      params: environmentId,
      success: Schema.Array(ServiceView),
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("service.read", Auth.ofResource("environment", "environmentId"))),
    HttpApiEndpoint.post("createService", "/v1/environments/:environmentId/services", {
      params: environmentId,
      payload: CreateServiceRequest,
      success: ServiceView.pipe(HttpApiSchema.status(201)),
      error: errors,
    })
      .annotateMerge(Auth.requires("service.create", Auth.ofResource("environment", "environmentId")))
      .annotate(OpenApi.Summary, "Create a web service, worker or cron job"),
    HttpApiEndpoint.get("getService", "/v1/services/:serviceId", {
      params: serviceId,
      success: ServiceView,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("service.read", Auth.ofResource("service", "serviceId"))),
    HttpApiEndpoint.patch("updateService", "/v1/services/:serviceId", {
      params: serviceId,
      payload: RequestBodies.optional(UpdateServiceRequest),
      success: ServiceView,
      error: errors,
    })
      .annotateMerge(Auth.requires("service.update", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Change a service; configuration changes take effect at its next deploy"),
    HttpApiEndpoint.delete("deleteService", "/v1/services/:serviceId", {
      params: serviceId,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("service.delete", Auth.ofResource("service", "serviceId"))),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Services")
