import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import * as Auth from "../Auth.ts"
import { Authentication } from "../Auth.ts"
import { CommitSha, DeploymentStatus, DeploymentTrigger, ImageDigest } from "../Deploys.ts"
import { DeploymentId, EnvironmentId, ProjectId, ServiceId, SourceUploadId, UserId } from "../Ids.ts"
import { ImageRef } from "../Projects.ts"
import * as RequestBodies from "../RequestBodies.ts"
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
    name: Schema.String.annotate({ description: "The service's name." }),
    type: Schema.String.annotate({ description: "`web`, `worker` or `cron`." }),
    source: ServiceSource.annotate({ description: "Where the code came from." }),
    port: Schema.NullOr(Schema.Int).annotate({
      description: "The port a web service listened on; null for other types.",
    }),
    cronSchedule: Schema.NullOr(Schema.String).annotate({
      description: "The schedule of a cron service; null for other types.",
    }),
    isPublic: Schema.Boolean.annotate({ description: "Whether the service was public." }),
  }).annotate({ description: "The service as it was when the deployment was made." }),
  config: ServiceConfig,
  variableKeys: Schema.Array(Schema.String).annotate({
    description: "The names of the variables the deployment resolved (values are never shown).",
  }),
  sourceUploadId: Schema.optionalKey(SourceUploadId).annotate({
    description: "The uploaded folder it was built from (`starform up`); absent for a commit or an image.",
  }),
}).annotate({
  identifier: "DeploymentSnapshot",
  description:
    "What a deployment froze: the service's shape and configuration, and which variables it had (not their values).",
})
export type SnapshotView = typeof SnapshotView.Type

/** What Shuttle last saw of the release's rollout. */
export const ObservedView = Schema.Struct({
  phase: ObservedPhase.annotate({ description: "Where the rollout is." }),
  desiredReplicas: Schema.Int.annotate({ description: "Replicas the release should have." }),
  updatedReplicas: Schema.Int.annotate({ description: "Replicas running this release." }),
  readyReplicas: Schema.Int.annotate({ description: "Replicas passing their readiness probe." }),
  availableReplicas: Schema.Int.annotate({ description: "Replicas ready for at least the minimum time." }),
  conditions: Schema.Array(Condition).annotate({
    description: "The workload's conditions as Kubernetes reports them.",
  }),
  failureReason: Schema.NullOr(Schema.String).annotate({
    description: "Why the rollout failed (e.g. `ProgressDeadlineExceeded`, a crash loop); null when it has not.",
  }),
  observedAt: Instant.annotate({ description: "When the cluster reported this." }),
}).annotate({ identifier: "ObservedRollout", description: "What the cluster last reported of a release's rollout." })
export type ObservedView = typeof ObservedView.Type

export const DeploymentView = Schema.Struct({
  id: DeploymentId.annotate({ description: "The deployment's id." }),
  projectId: ProjectId.annotate({ description: "The project of the service." }),
  environmentId: EnvironmentId.annotate({ description: "The environment of the service." }),
  serviceId: ServiceId.annotate({ description: "The service deployed." }),
  number: Schema.Int.annotate({ description: "The deployment's number within the service: 1, 2, 3, …" }),
  status: DeploymentStatus.annotate({ description: "Where the deployment is in its life." }),
  trigger: DeploymentTrigger.annotate({ description: "What made the deployment." }),
  commitSha: Schema.NullOr(Schema.String).annotate({ description: "The commit built; null for an image service." }),
  commitMessage: Schema.NullOr(Schema.String).annotate({ description: "The commit's message; null when unknown." }),
  imageRef: Schema.NullOr(Schema.String).annotate({
    description: "The image deployed; null until the build has pushed it.",
  }),
  imageDigest: Schema.NullOr(Schema.String).annotate({ description: "The image's content digest; null until known." }),
  rollbackOfDeploymentId: Schema.NullOr(DeploymentId).annotate({
    description: "The earlier deployment this one rolls back to; null when it is not a rollback.",
  }),
  createdBy: Schema.NullOr(UserId).annotate({
    description: "The person who asked for it; null for pushes and API tokens.",
  }),
  failureReason: Schema.NullOr(Schema.String).annotate({
    description: "Why it failed, in words; null unless `failed`.",
  }),
  snapshot: SnapshotView.annotate({ description: "The configuration and variable names frozen for this release." }),
  observed: Schema.NullOr(ObservedView).annotate({
    description: "What the cluster last reported of the rollout; null before the rollout starts.",
  }),
  startedAt: Schema.NullOr(Instant).annotate({ description: "When building or rolling out began; null while queued." }),
  finishedAt: Schema.NullOr(Instant).annotate({
    description: "When it became active, failed or was cancelled; null before that.",
  }),
  createdAt: Instant.annotate({ description: "When the deployment was asked for." }),
  updatedAt: Instant.annotate({ description: "When it last changed." }),
}).annotate({
  identifier: "Deployment",
  description: "A deployment: a numbered, immutable release of a service (its image and frozen configuration).",
})
export type DeploymentView = typeof DeploymentView.Type

export const CreateDeploymentRequest = Schema.Struct({
  /** An image service: the image to run (default: the service's image). */
  imageRef: Schema.optionalKey(ImageRef).annotate({
    description: "An image service: the image to run (default: the service's image).",
  }),
  imageDigest: Schema.optionalKey(ImageDigest).annotate({
    description: "The image's digest, to pin exactly which image runs.",
  }),
  /** A repository service: the commit to build (default: the branch's head, resolved by the build). */
  commitSha: Schema.optionalKey(CommitSha).annotate({
    description: "A repository service: the commit to build (default: the branch's head, resolved by the build).",
  }),
  commitMessage: Schema.optionalKey(Rules.text(10_000)).annotate({
    description: "The commit's message, shown with the deployment.",
  }),
  sourceUploadId: Schema.optionalKey(SourceUploadId).annotate({
    description:
      "An uploaded folder to build instead (`POST /v1/services/{serviceId}/sources`); leaves out imageRef, imageDigest and commitSha.",
  }),
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
  ).annotate({ description: "At most this many, newest first (1 to 100; default 20)." }),
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
      success: Schema.Array(DeploymentView).annotate({ description: "The service's deployments, newest first." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("deployment.read", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "A service's deployments, newest first")
      .annotate(OpenApi.Description, "At most `limit` (default 20), newest first."),
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
      payload: RequestBodies.optional(CreateDeploymentRequest),
      success: DeploymentView.pipe(HttpApiSchema.status(201)),
      error: errors,
    })
      .annotateMerge(Auth.requires("deployment.create", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Deploy the service: freezes its configuration and resolves its variables")
      .annotate(
        OpenApi.Description,
        "Freezes the service's configuration and variables into a new numbered deployment, builds (a repository service) and rolls it out; traffic moves only when the new release is ready, and a failed rollout leaves the previous release serving. Deploys of one service run one at a time. Rate-limited by the deploy budget.",
      ),
    HttpApiEndpoint.get("getDeployment", "/v1/deployments/:deploymentId", {
      params: deploymentId,
      success: DeploymentView,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("deployment.read", Auth.ofResource("deployment", "deploymentId")))
      .annotate(OpenApi.Summary, "A deployment")
      .annotate(
        OpenApi.Description,
        "With its status, frozen configuration and the cluster's latest report of its rollout.",
      ),
    HttpApiEndpoint.post("rollbackDeployment", "/v1/deployments/:deploymentId/rollback", {
      params: deploymentId,
      success: DeploymentView.pipe(HttpApiSchema.status(201)),
      error: errors,
    })
      .annotateMerge(Auth.requires("deployment.rollback", Auth.ofResource("deployment", "deploymentId")))
      .annotate(
        OpenApi.Summary,
        "Serve this earlier release again: a new deployment of its image and configuration, no build",
      )
      .annotate(
        OpenApi.Description,
        "Creates a new deployment from this release's image and frozen configuration, without building.",
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
      )
      .annotate(
        OpenApi.Description,
        "Builds this release's commit (or runs its image) again, with the service's configuration and variables as they are now.",
      ),
    HttpApiEndpoint.post("cancelDeployment", "/v1/deployments/:deploymentId/cancel", {
      params: deploymentId,
      success: DeploymentView,
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("deployment.cancel", Auth.ofResource("deployment", "deploymentId")))
      .annotate(OpenApi.Summary, "Stop a deployment that is queued, building or rolling out; the serving release stays")
      .annotate(OpenApi.Description, "409 when it has already finished. The release serving before stays."),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Deployments")
  .annotate(
    OpenApi.Description,
    "Numbered, immutable releases of a service. Deploys of one service run one at a time (later ones wait `queued`); traffic moves to a release only when it is ready, and a failed rollout leaves the previous release serving. Rollback makes a new deployment from an earlier release's image and configuration without building.",
  )
