import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, PayloadTooLarge, ValidationFailed } from "../ApiErrors.ts"
import * as Auth from "../Auth.ts"
import { Authentication } from "../Auth.ts"
import { BuildFailureKind, BuildLogStream, BuildStatus } from "../Deploys.ts"
import { BuildId, DeploymentId, EnvironmentId, ProjectId, ServiceId } from "../Ids.ts"
import * as Rules from "../Rules.ts"
import { Instant } from "./Projects.ts"
import * as Sources from "./Sources.ts"

/**
 * Builds: the attempts at turning a deployment's commit into an image (queued → cloning → building → pushing →
 * succeeded, or failed / timed_out / cancelled), their logs, and a service's build settings.
 */

/** When the build entered one status. */
export const BuildTransitionView = Schema.Struct({
  status: BuildStatus.annotate({ description: "The status entered." }),
  at: Instant.annotate({ description: "When." }),
  reason: Schema.NullOr(Schema.String).annotate({ description: "Why, in words; null when there is nothing to add." }),
}).annotate({ identifier: "BuildTransition", description: "When a build entered one status." })
export type BuildTransitionView = typeof BuildTransitionView.Type

export const predeployStatuses = ["pending", "running", "succeeded", "failed"] as const

export const BuildView = Schema.Struct({
  id: BuildId.annotate({ description: "The build's id." }),
  deploymentId: DeploymentId.annotate({ description: "The deployment the build is for." }),
  projectId: ProjectId.annotate({ description: "The project of the service." }),
  environmentId: EnvironmentId.annotate({ description: "The environment of the service." }),
  serviceId: ServiceId.annotate({ description: "The service built." }),
  status: BuildStatus.annotate({ description: "Where the build is." }),
  /** 1 for the first try; infrastructure faults are retried as attempts 2 and 3. */
  attempt: Schema.Int.annotate({
    description: "1 for the first try; infrastructure faults are retried as attempts 2 and 3.",
  }),
  /** `user`: fix the build and push again; `infrastructure`: Starform's side, retried automatically. */
  failureKind: Schema.NullOr(BuildFailureKind).annotate({
    description:
      "`user`: fix the build and push again; `infrastructure`: Starform's side, retried automatically. Null unless failed.",
  }),
  failureReason: Schema.NullOr(Schema.String).annotate({
    description: "Why the build failed, in words; null unless it failed.",
  }),
  /** Why a queued build has not started (e.g. the plan's concurrent builds are in use). */
  waitingReason: Schema.NullOr(Schema.String).annotate({
    description: "Why a queued build has not started (e.g. the plan's concurrent builds are in use); null otherwise.",
  }),
  repoFullName: Schema.NullOr(Schema.String).annotate({
    description: "The repository built, as `owner/name`; null for an image service.",
  }),
  commitSha: Schema.NullOr(Schema.String).annotate({ description: "The commit built; null until resolved." }),
  timeoutSeconds: Schema.Int.annotate({
    description: "How long the build may run before it is stopped as `timed_out`.",
  }),
  imageSizeLimitBytes: Schema.Int.annotate({ description: "The largest image the plan allows, in bytes." }),
  imageSizeBytes: Schema.NullOr(Schema.Int).annotate({
    description: "The built image's size in bytes; null until pushed.",
  }),
  imageRef: Schema.NullOr(Schema.String).annotate({ description: "The image pushed; null until pushed." }),
  imageDigest: Schema.NullOr(Schema.String).annotate({ description: "The pushed image's digest; null until pushed." }),
  /** The pre-deploy command's run, once the image is pushed; null when the service has none. */
  predeploy: Schema.NullOr(
    Schema.Struct({
      status: Schema.Literals(predeployStatuses).annotate({
        description: "`pending`, `running`, `succeeded` or `failed`.",
      }),
      reason: Schema.NullOr(Schema.String).annotate({ description: "Why it failed, in words; null unless it failed." }),
    }),
  ).annotate({
    description: "The pre-deploy command's run, once the image is pushed; null when the service has none.",
  }),
  transitions: Schema.Array(BuildTransitionView).annotate({
    description: "Every status the build entered, oldest first.",
  }),
  queuedAt: Instant.annotate({ description: "When the build was queued." }),
  startedAt: Schema.NullOr(Instant).annotate({ description: "When the build started; null while queued." }),
  finishedAt: Schema.NullOr(Instant).annotate({ description: "When the build ended; null while it runs." }),
}).annotate({ identifier: "Build", description: "One attempt at turning a deployment's commit into an image." })
export type BuildView = typeof BuildView.Type

export const BuildLogLineView = Schema.Struct({
  /** Pass the last one seen as `after` to read on from there. */
  seq: Schema.Int.annotate({
    description: "The line's number in the log; pass the last one seen as `after` to read on from there.",
  }),
  at: Instant.annotate({ description: "When the line was written." }),
  stream: BuildLogStream.annotate({ description: "Which part wrote the line." }),
  line: Schema.String.annotate({ description: "The text of the line." }),
}).annotate({ description: "One line of a build's log." })
export type BuildLogLineView = typeof BuildLogLineView.Type

export const BuildLogPage = Schema.Struct({
  lines: Schema.Array(BuildLogLineView).annotate({ description: "The lines, oldest first." }),
  /** Whether the build has ended: no more lines will come. */
  complete: Schema.Boolean.annotate({ description: "Whether the build has ended: no more lines will come." }),
}).annotate({ identifier: "BuildLogPage", description: "Lines of a build's log after a given line, oldest first." })
export type BuildLogPage = typeof BuildLogPage.Type

export const BuildLogQuery = Schema.Struct({
  after: Schema.optionalKey(Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))).annotate({
    description: "Return the lines after this line number (default 0: from the start).",
  }),
  limit: Schema.optionalKey(
    Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 5000 })),
  ).annotate({ description: "At most this many lines (1 to 5000; default 1000)." }),
})

export const BuildSettingsView = Schema.Struct({
  serviceId: ServiceId.annotate({ description: "The service." }),
  /** The service's build timeout; `default` true when it is the platform default (30 minutes). */
  timeoutSeconds: Schema.Int.annotate({ description: "The service's build timeout in seconds." }),
  default: Schema.Boolean.annotate({ description: "Whether the timeout is the platform default (30 minutes)." }),
  /** The longest the workspace's plan allows. */
  maxTimeoutSeconds: Schema.Int.annotate({ description: "The longest timeout the workspace's plan allows." }),
  imageSizeLimitBytes: Schema.Int.annotate({ description: "The largest image the plan allows, in bytes." }),
  concurrentBuilds: Schema.Int.annotate({ description: "How many builds of the workspace may run at once." }),
}).annotate({
  identifier: "BuildSettings",
  description: "A service's build settings and the limits of its workspace's plan.",
})
export type BuildSettingsView = typeof BuildSettingsView.Type

export const UpdateBuildSettingsRequest = Schema.Struct({
  /** Null: back to the default (30 minutes). At least 60, at most the plan's maximum. */
  timeoutSeconds: Schema.NullOr(Rules.int(60, 86_400)).annotate({
    description:
      "The build timeout in seconds: at least 60, at most the plan's maximum; null: back to the default (30 minutes).",
  }),
})
export type UpdateBuildSettingsRequest = typeof UpdateBuildSettingsRequest.Type

export const BuildsGroup = HttpApiGroup.make("builds")
  .add(
    HttpApiEndpoint.get("listBuilds", "/v1/deployments/:deploymentId/builds", {
      params: { deploymentId: DeploymentId },
      success: Schema.Array(BuildView).annotate({ description: "The deployment's builds, first to last." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("build.read", Auth.ofResource("deployment", "deploymentId")))
      .annotate(OpenApi.Summary, "A deployment's build attempts, first to last")
      .annotate(OpenApi.Description, "Attempt 1, then the retries of infrastructure faults."),
    HttpApiEndpoint.get("getBuild", "/v1/builds/:buildId", {
      params: { buildId: BuildId },
      success: BuildView,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("build.read", Auth.ofBuildsResource("build", "buildId")))
      .annotate(OpenApi.Summary, "A build")
      .annotate(OpenApi.Description, "With its status history and, once pushed, the image."),
    HttpApiEndpoint.post("cancelBuild", "/v1/builds/:buildId/cancel", {
      params: { buildId: BuildId },
      success: BuildView,
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("build.cancel", Auth.ofBuildsResource("build", "buildId")))
      .annotate(OpenApi.Summary, "Stop a queued or running build; its deployment is cancelled")
      .annotate(OpenApi.Description, "409 when it has already finished."),
    HttpApiEndpoint.get("getBuildLogs", "/v1/builds/:buildId/logs", {
      params: { buildId: BuildId },
      query: BuildLogQuery,
      success: BuildLogPage,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("build.read", Auth.ofBuildsResource("build", "buildId")))
      .annotate(OpenApi.Summary, "The build's log lines after `after`, oldest first")
      .annotate(
        OpenApi.Description,
        "Up to `limit` lines after line `after`; `complete` says whether more can come (see Pagination on the reference page).",
      ),
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
      )
      .annotate(OpenApi.Description, "Each event's data is one log line; the stream ends when the build does.")
      // Effect describes a stream response by no schema annotation (it reads descriptions of buffered bodies only).
      .annotate(OpenApi.Transform, (operation) => ({
        ...operation,
        responses: {
          ...operation.responses,
          200: { ...operation.responses[200], description: "The build's log lines as Server-Sent Events." },
        },
      })),
    HttpApiEndpoint.post("uploadSource", "/v1/services/:serviceId/sources", {
      params: { serviceId: ServiceId },
      // a binary body, streamed through to the builds service (the JSON body guard lets this endpoint's through)
      payload: HttpApiSchema.StreamUint8Array({ contentType: Sources.contentType, maxBytes: Sources.maxBytes }),
      success: Sources.SourceUploadView.pipe(HttpApiSchema.status(201)),
      error: [ValidationFailed, Forbidden, NotFound, PayloadTooLarge],
    })
      .annotateMerge(Auth.requires("deployment.create", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Upload a folder's gzipped tar, to deploy it without GitHub (`starform up`)")
      .annotate(
        OpenApi.Description,
        `The body is the archive (Content-Type: application/gzip), at most ${Sources.maxBytes} bytes (413 names both sizes). Deploy it with \`sourceUploadId\` on a new deployment: it is built like a commit.`,
      ),
    HttpApiEndpoint.get("getBuildSettings", "/v1/services/:serviceId/build-settings", {
      params: { serviceId: ServiceId },
      success: BuildSettingsView,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("service.read", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "The build settings of a service")
      .annotate(OpenApi.Description, "The timeout and the plan's limits."),
    HttpApiEndpoint.put("updateBuildSettings", "/v1/services/:serviceId/build-settings", {
      params: { serviceId: ServiceId },
      payload: UpdateBuildSettingsRequest,
      success: BuildSettingsView,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("service.update", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Set the service's build timeout, up to the plan's maximum")
      .annotate(OpenApi.Description, "Null goes back to the default (30 minutes)."),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Builds")
  .annotate(
    OpenApi.Description,
    "The attempts at turning a deployment's commit into an image (queued → cloning → building → pushing → succeeded, or failed / timed_out / cancelled), their logs (paged or streamed), and a service's build settings. Infrastructure faults are retried automatically; user faults fail at once with the reason and the log.",
  )
