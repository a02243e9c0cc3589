import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import * as Auth from "../Auth.ts"
import { Authentication } from "../Auth.ts"
import { BuildFailureKind, BuildLogStream, BuildStatus } from "../Deploys.ts"
import { BuildId, DeploymentId, EnvironmentId, ProjectId, ServiceId } from "../Ids.ts"
import * as Rules from "../Rules.ts"
import { Instant } from "./Projects.ts"

/**
 * Builds: the attempts at turning a deployment's commit into an image (queued → cloning → building → pushing →
 * succeeded, or failed / timed_out / cancelled), their logs, and a service's build settings.
 */

/** When the build entered one status. */
export const BuildTransitionView = Schema.Struct({
  status: BuildStatus,
  at: Instant,
  reason: Schema.NullOr(Schema.String),
})
export type BuildTransitionView = typeof BuildTransitionView.Type

export const predeployStatuses = ["pending", "running", "succeeded", "failed"] as const

export const BuildView = Schema.Struct({
  id: BuildId,
  deploymentId: DeploymentId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  serviceId: ServiceId,
  status: BuildStatus,
  /** 1 for the first try; infrastructure faults are retried as attempts 2 and 3. */
  attempt: Schema.Int,
  /** `user`: fix the build and push again; `infrastructure`: Starform's side, retried automatically. */
  failureKind: Schema.NullOr(BuildFailureKind),
  failureReason: Schema.NullOr(Schema.String),
  /** Why a queued build has not started (e.g. the plan's concurrent builds are in use). */
  waitingReason: Schema.NullOr(Schema.String),
  repoFullName: Schema.NullOr(Schema.String),
  commitSha: Schema.NullOr(Schema.String),
  timeoutSeconds: Schema.Int,
  imageSizeLimitBytes: Schema.Number,
  imageSizeBytes: Schema.NullOr(Schema.Number),
  imageRef: Schema.NullOr(Schema.String),
  imageDigest: Schema.NullOr(Schema.String),
  /** The pre-deploy command's run, once the image is pushed; null when the service has none. */
  predeploy: Schema.NullOr(
    Schema.Struct({ status: Schema.Literals(predeployStatuses), reason: Schema.NullOr(Schema.String) }),
  ),
  transitions: Schema.Array(BuildTransitionView),
  queuedAt: Instant,
  startedAt: Schema.NullOr(Instant),
  finishedAt: Schema.NullOr(Instant),
})
export type BuildView = typeof BuildView.Type

export const BuildLogLineView = Schema.Struct({
  /** Pass the last one seen as `after` to read on from there. */
  seq: Schema.Number,
  at: Instant,
  stream: BuildLogStream,
  line: Schema.String,
})
export type BuildLogLineView = typeof BuildLogLineView.Type

export const BuildLogPage = Schema.Struct({
  lines: Schema.Array(BuildLogLineView),
  /** Whether the build has ended: no more lines will come. */
  complete: Schema.Boolean,
})
export type BuildLogPage = typeof BuildLogPage.Type

export const BuildLogQuery = Schema.Struct({
  after: Schema.optionalKey(Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))),
  limit: Schema.optionalKey(
    Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 5000 })),
  ),
})

export const BuildSettingsView = Schema.Struct({
  serviceId: ServiceId,
  /** The service's build timeout; `default` true when it is the platform default (30 minutes). */
  timeoutSeconds: Schema.Int,
  default: Schema.Boolean,
  /** The longest the workspace's plan allows. */
  maxTimeoutSeconds: Schema.Int,
  imageSizeLimitBytes: Schema.Number,
  concurrentBuilds: Schema.Int,
})
export type BuildSettingsView = typeof BuildSettingsView.Type

export const UpdateBuildSettingsRequest = Schema.Struct({
  /** Null: back to the default (30 minutes). At least 60, at most the plan's maximum. */
  timeoutSeconds: Schema.NullOr(Rules.int(60, 86_400)),
})
export type UpdateBuildSettingsRequest = typeof UpdateBuildSettingsRequest.Type

export const BuildsGroup = HttpApiGroup.make("builds")
  .add(
    HttpApiEndpoint.get("listBuilds", "/v1/deployments/:deploymentId/builds", {
      params: { deploymentId: DeploymentId },
      success: Schema.Array(BuildView),
      error: [Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("build.read", Auth.ofResource("deployment", "deploymentId")))
      .annotate(OpenApi.Summary, "A deployment's build attempts, first to last"),
    HttpApiEndpoint.get("getBuild", "/v1/builds/:buildId", {
      params: { buildId: BuildId },
      success: BuildView,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("build.read", Auth.ofBuildsResource("build", "buildId"))),
    HttpApiEndpoint.post("cancelBuild", "/v1/builds/:buildId/cancel", {
      params: { buildId: BuildId },
      success: BuildView,
      error: [Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("build.cancel", Auth.ofBuildsResource("build", "buildId")))
      .annotate(OpenApi.Summary, "Stop a queued or running build; its deployment is cancelled"),
    HttpApiEndpoint.get("getBuildLogs", "/v1/builds/:buildId/logs", {
      params: { buildId: BuildId },
      query: BuildLogQuery,
      success: BuildLogPage,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("build.read", Auth.ofBuildsResource("build", "buildId")))
      .annotate(OpenApi.Summary, "The build's log lines after `after`, oldest first"),
    HttpApiEndpoint.get("watchBuildLogs", "/v1/builds/:buildId/logs/stream", {
      params: { buildId: BuildId },
      query: BuildLogQuery,
      success: HttpApiSchema.StreamSse({ data: BuildLogLineView }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("build.read", Auth.ofBuildsResource("build", "buildId")))
      .annotate(
        OpenApi.Summary,
        "Server-sent events: the build's log after `after`, then each line as it is written, until the build ends",
      ),
    HttpApiEndpoint.get("getBuildSettings", "/v1/services/:serviceId/build-settings", {
      params: { serviceId: ServiceId },
      success: BuildSettingsView,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("service.read", Auth.ofResource("service", "serviceId"))),
    HttpApiEndpoint.put("updateBuildSettings", "/v1/services/:serviceId/build-settings", {
      params: { serviceId: ServiceId },
      payload: UpdateBuildSettingsRequest,
      success: BuildSettingsView,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("service.update", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Set the service's build timeout, up to the plan's maximum"),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Builds")
