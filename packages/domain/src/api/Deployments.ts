import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import * as Auth from "../Auth.ts"
import { Authentication } from "../Auth.ts"
import { CommitSha, DeploymentStatus, DeploymentTrigger, ImageDigest } from "../Deploys.ts"
import { DeploymentId, EnvironmentId, ProjectId, ServiceId, UserId } from "../Ids.ts"
import { ImageRef } from "../Projects.ts"
import * as Rules from "../Rules.ts"
import { ServiceConfig } from "../ServiceConfig.ts"
import { Condition, ObservedPhase } from "../ShuttleRpc.ts"
import { Instant } from "./Projects.ts"
import { ServiceSource } from "./Services.ts"

/**
 * Deployments: numbered, immutable releases of a service. Deploys of one service are serialised (one is built
 * or rolled out at a time, later ones wait `queued`); rollback makes a new deployment from an earlier release's
 * image and configuration without building; a retention setting keeps the newest N per service.
 */

/** What the deployment froze: the service's shape and configuration, and which variables it had (not their values). */
export const SnapshotView = Schema.Struct({
  service: Schema.Struct({
    name: Schema.String,
    type: Schema.String,
    source: ServiceSource,
    port: Schema.NullOr(Schema.Int),
    cronSchedule: Schema.NullOr(Schema.String),
    isPublic: Schema.Boolean,
  }),
  config: ServiceConfig,
  variableKeys: Schema.Array(Schema.String),
})
export type SnapshotView = typeof SnapshotView.Type

/** What Shuttle last saw of the release's rollout. */
export const ObservedView = Schema.Struct({
  phase: ObservedPhase,
  desiredReplicas: Schema.Int,
  updatedReplicas: Schema.Int,
  readyReplicas: Schema.Int,
  availableReplicas: Schema.Int,
  conditions: Schema.Array(Condition),
  failureReason: Schema.NullOr(Schema.String),
  observedAt: Instant,
})
export type ObservedView = typeof ObservedView.Type

export const DeploymentView = Schema.Struct({
  id: DeploymentId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  serviceId: ServiceId,
  number: Schema.Int,
  status: DeploymentStatus,
  trigger: DeploymentTrigger,
  commitSha: Schema.NullOr(Schema.String),
  commitMessage: Schema.NullOr(Schema.String),
  imageRef: Schema.NullOr(Schema.String),
  imageDigest: Schema.NullOr(Schema.String),
  rollbackOfDeploymentId: Schema.NullOr(DeploymentId),
  createdBy: Schema.NullOr(UserId),
  failureReason: Schema.NullOr(Schema.String),
  snapshot: SnapshotView,
  observed: Schema.NullOr(ObservedView),
  startedAt: Schema.NullOr(Instant),
  finishedAt: Schema.NullOr(Instant),
  createdAt: Instant,
  updatedAt: Instant,
})
export type DeploymentView = typeof DeploymentView.Type

export const CreateDeploymentRequest = Schema.Struct({
  /** An image service: the image to run (default: the service's image). */
  imageRef: Schema.optionalKey(ImageRef),
  imageDigest: Schema.optionalKey(ImageDigest),
  /** A repository service: the commit to build (default: the branch's head, resolved by the build). */
  commitSha: Schema.optionalKey(CommitSha),
  commitMessage: Schema.optionalKey(Rules.text(10_000)),
})
export type CreateDeploymentRequest = typeof CreateDeploymentRequest.Type

/**
 * The Starform CLI names itself in `User-Agent: starform-cli/<version>`; a deploy it asks for is recorded with the
 * trigger `cli`. Any other caller, a person or an API token, is an API call: `api`.
 */
export const cliUserAgent = /^starform-cli\//

/** How a deploy asked for over the REST API was triggered, from the request's `User-Agent`. */
export const triggerOf = (userAgent: string | undefined): "api" | "cli" =>
  userAgent !== undefined && cliUserAgent.test(userAgent) ? "cli" : "api"

export const CreateDeploymentHeaders = Schema.Struct({
  "user-agent": Schema.optionalKey(
    Schema.String.annotate({
      description: "`starform-cli/<version>` when the Starform CLI deploys: the deployment's trigger is then `cli`",
    }),
  ),
})

export const ListDeploymentsQuery = Schema.Struct({
  /** At most this many, newest first (default 20). */
  limit: Schema.optionalKey(
    Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 100 })),
  ),
})

/** One service's newest deployments, as the environment's deployment stream sends them. */
export const ServiceDeployments = Schema.Struct({
  serviceId: ServiceId.annotate({ description: "The service these deployments are of." }),
  /** Newest first, at most the stream's `limit`. */
  deployments: Schema.Array(DeploymentView).annotate({
    description: "The service's newest deployments, newest first, at most the stream's `limit`.",
  }),
}).annotate({ description: "One service's newest deployments." })
export type ServiceDeployments = typeof ServiceDeployments.Type

const serviceId = { serviceId: ServiceId }
const deploymentId = { deploymentId: DeploymentId }
const errors = [ValidationFailed, Forbidden, NotFound, Conflict]

export const DeploymentsGroup = HttpApiGroup.make("deployments")
  .add(
    HttpApiEndpoint.get("listDeployments", "/v1/services/:serviceId/deployments", {
      params: serviceId,
      query: ListDeploymentsQuery,
      success: Schema.Array(DeploymentView),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("deployment.read", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "A service's deployments, newest first"),
    HttpApiEndpoint.get("watchDeployments", "/v1/environments/:environmentId/deployments/stream", {
      params: { environmentId: EnvironmentId },
      query: ListDeploymentsQuery,
      success: HttpApiSchema.StreamSse({ data: Schema.Array(ServiceDeployments) }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("deployment.read", Auth.ofResource("environment", "environmentId")))
      .annotate(
        OpenApi.Summary,
        "Server-sent events: every service's newest deployments in the environment, now and each time any changes",
      )
      .annotate(
        OpenApi.Description,
        "Each event's data is the whole picture (every service of the environment with its newest `limit` deployments), sent at once and again whenever any of it changes. The stream ends after 5 minutes or when the gateway stops: reconnect to go on.",
      )
      // Effect describes a stream response by no schema annotation (it reads descriptions of buffered bodies only).
      .annotate(OpenApi.Transform, (operation) => ({
        ...operation,
        responses: {
          ...operation.responses,
          200: {
            ...operation.responses[200],
            description: "The environment's services and their newest deployments as Server-Sent Events.",
          },
        },
      })),
    HttpApiEndpoint.post("createDeployment", "/v1/services/:serviceId/deployments", {
      params: serviceId,
      headers: CreateDeploymentHeaders,
      payload: CreateDeploymentRequest,
      success: DeploymentView.pipe(HttpApiSchema.status(201)),
      error: errors,
    })
      .annotateMerge(Auth.requires("deployment.create", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Deploy the service: freezes its configuration and resolves its variables"),
    HttpApiEndpoint.get("getDeployment", "/v1/deployments/:deploymentId", {
      params: deploymentId,
      success: DeploymentView,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("deployment.read", Auth.ofResource("deployment", "deploymentId"))),
    HttpApiEndpoint.post("rollbackDeployment", "/v1/deployments/:deploymentId/rollback", {
      params: deploymentId,
      success: DeploymentView.pipe(HttpApiSchema.status(201)),
      error: errors,
    })
      .annotateMerge(Auth.requires("deployment.rollback", Auth.ofResource("deployment", "deploymentId")))
      .annotate(
        OpenApi.Summary,
        "Serve this earlier release again: a new deployment of its image and configuration, no build",
      ),
    HttpApiEndpoint.post("redeployDeployment", "/v1/deployments/:deploymentId/redeploy", {
      params: deploymentId,
      success: DeploymentView.pipe(HttpApiSchema.status(201)),
      error: errors,
    })
      .annotateMerge(Auth.requires("deployment.create", Auth.ofResource("deployment", "deploymentId")))
      .annotate(
        OpenApi.Summary,
        "Deploy this release's source again with the service's current configuration and variables",
      ),
    HttpApiEndpoint.post("cancelDeployment", "/v1/deployments/:deploymentId/cancel", {
      params: deploymentId,
      success: DeploymentView,
      error: [Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("deployment.cancel", Auth.ofResource("deployment", "deploymentId")))
      .annotate(
        OpenApi.Summary,
        "Stop a deployment that is queued, building or rolling out; the serving release stays",
      ),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Deployments")
