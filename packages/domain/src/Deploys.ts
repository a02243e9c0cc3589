import { Schema } from "effect"
import { Count, JsonObject, Timestamp } from "./Columns.ts"
import {
  BuildId,
  DeploymentId,
  EnvironmentId,
  GithubInstallationId,
  ProjectId,
  ServiceId,
  SourceUploadId,
  UserId,
  WorkspaceId,
} from "./Ids.ts"
import { ImageRef, RepoFullName, RootDirectory } from "./Projects.ts"
import * as Rules from "./Rules.ts"

/**
 * Deployments (immutable, numbered snapshots of a service's config and commit) and the builds that produce their
 * images. How their statuses may change is in `DeploymentLifecycle` and `BuildLifecycle`.
 */

export const deploymentStatuses = [
  "queued",
  "building",
  "deploying",
  "active",
  "failed",
  "cancelled",
  "superseded",
] as const
export const DeploymentStatus = Rules.oneOf(deploymentStatuses).annotate({
  description:
    "Where the deployment is: `queued` (waiting for an earlier deploy of the service), `building`, `deploying` (rolling out), `active` (serving), `failed`, `cancelled`, or `superseded` (served, then replaced by a later one).",
})
export type DeploymentStatus = typeof DeploymentStatus.Type

export const deploymentTriggers = ["push", "api", "rollback", "redeploy", "cli"] as const
export const DeploymentTrigger = Rules.oneOf(deploymentTriggers).annotate({
  description:
    "What made the deployment: a Git `push`, an `api` call, the Starform `cli`, a `rollback` or a `redeploy`.",
})
export type DeploymentTrigger = typeof DeploymentTrigger.Type

/** A full Git commit SHA: 40 lower-case hex digits. */
export const CommitSha = Rules.matching(
  "commit-sha",
  /^[0-9a-f]{40}$/,
  "must be a commit SHA: 40 characters of 0-9 and a-f",
).annotate({
  description: "A full Git commit SHA: 40 lower-case hex digits.",
  examples: ["3f786850e387550fdab836ed7e6dc881de23001b"],
})

/** An image's content digest, `sha256:` and 64 lower-case hex digits. */
export const ImageDigest = Rules.matching(
  "image-digest",
  /^sha256:[0-9a-f]{64}$/,
  "must be an image digest: sha256: followed by 64 characters of 0-9 and a-f",
).annotate({ description: "An image's content digest: `sha256:` and 64 lower-case hex digits." })

/** The service's configuration as it was when the deployment was made; a rollback reuses it. */
export const ConfigSnapshot = JsonObject
export type ConfigSnapshot = typeof ConfigSnapshot.Type

/** One release of a service, "deploy #12" (`deployments`). At most one per service is `active`. */
export class Deployment extends Schema.Class<Deployment>("Deployment")({
  id: DeploymentId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  serviceId: ServiceId,
  /** 1, 2, 3… per service. */
  number: Rules.int(1),
  status: DeploymentStatus,
  trigger: DeploymentTrigger,
  commitSha: Schema.NullOr(CommitSha),
  commitMessage: Schema.NullOr(Schema.String),
  imageRef: Schema.NullOr(ImageRef),
  imageDigest: Schema.NullOr(ImageDigest),
  configSnapshot: ConfigSnapshot,
  /** The earlier release whose image and config this rollback reuses; null once that release is pruned. */
  rollbackOfDeploymentId: Schema.NullOr(DeploymentId),
  createdBy: Schema.NullOr(UserId),
  failureReason: Schema.NullOr(Schema.String),
  startedAt: Schema.NullOr(Timestamp),
  finishedAt: Schema.NullOr(Timestamp),
  /** What Shuttle last observed of this release's rollout (replicas, conditions, phase); null before any report. */
  observedState: Schema.NullOr(JsonObject),
  observedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const buildStatuses = [
  "queued",
  "cloning",
  "building",
  "pushing",
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
] as const
export const BuildStatus = Rules.oneOf(buildStatuses).annotate({
  description:
    "Where the build is: `queued`, `cloning`, `building`, `pushing`, then `succeeded`, `failed`, `timed_out` or `cancelled`.",
})
export type BuildStatus = typeof BuildStatus.Type

/** Whose fault a failed build was: infrastructure faults are retried as a new attempt, user faults are not. */
export const buildFailureKinds = ["user", "infrastructure"] as const
export const BuildFailureKind = Rules.oneOf(buildFailureKinds).annotate({
  description:
    "Whose fault a failed build was: `user` (the build command, the Dockerfile, the image size) or `infrastructure` (retried as a new attempt).",
})
export type BuildFailureKind = typeof BuildFailureKind.Type

/** One attempt at building a deployment's image (`builds`). */
export class Build extends Schema.Class<Build>("Build")({
  id: BuildId,
  deploymentId: DeploymentId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  serviceId: ServiceId,
  status: BuildStatus,
  attempt: Rules.int(1),
  failureKind: Schema.NullOr(BuildFailureKind),
  failureReason: Schema.NullOr(Schema.String),
  timeoutSeconds: Rules.int(1),
  imageSizeBytes: Schema.NullOr(Count),
  queuedAt: Timestamp,
  startedAt: Schema.NullOr(Timestamp),
  finishedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** The workspace whose concurrent-build limit the build counts against. */
  workspaceId: Schema.NullOr(WorkspaceId),
  repoFullName: Schema.NullOr(RepoFullName),
  commitSha: Schema.NullOr(CommitSha),
  rootDirectory: RootDirectory,
  githubInstallationId: Schema.NullOr(GithubInstallationId),
  /** The build, start and pre-deploy command overrides the deployment froze. */
  overrides: JsonObject,
  imageSizeLimitBytes: Count,
  imageRef: Schema.NullOr(ImageRef),
  imageDigest: Schema.NullOr(ImageDigest),
  /** A retry is not started before this (its backoff). */
  notBefore: Timestamp,
  deadlineAt: Schema.NullOr(Timestamp),
  /** Why a queued build has not started yet, e.g. the workspace's concurrent builds are in use. */
  waitingReason: Schema.NullOr(Schema.String),
  runnerJob: Schema.NullOr(Schema.String),
  predeployStatus: Schema.NullOr(Rules.oneOf(["pending", "running", "succeeded", "failed"])),
  predeployReason: Schema.NullOr(Schema.String),
  /** When the outcome was reported to the deployment. */
  reportedAt: Schema.NullOr(Timestamp),
  /** The uploaded folder built instead of a commit (`starform up`); null for a commit. */
  sourceUploadId: Schema.NullOr(SourceUploadId),
}) {}

/** A folder uploaded by `starform up` (`source_uploads`): the stored archive, its tenant, digest, size and expiry. */
export class SourceUpload extends Schema.Class<SourceUpload>("SourceUpload")({
  id: SourceUploadId,
  workspaceId: WorkspaceId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  serviceId: ServiceId,
  sha256: Schema.String,
  sizeBytes: Count,
  /** The person who uploaded it; null for an API token. */
  createdBy: Schema.NullOr(UserId),
  createdAt: Timestamp,
  /** After this the archive may be deleted. */
  expiresAt: Timestamp,
}) {}

/** When a build entered one status (`build_transitions`): each status at most once per build. */
export class BuildTransition extends Schema.Class<BuildTransition>("BuildTransition")({
  buildId: BuildId,
  status: BuildStatus,
  at: Timestamp,
  reason: Schema.NullOr(Schema.String),
  createdAt: Timestamp,
}) {}

export const buildLogStreams = ["runner", "predeploy", "system"] as const
export const BuildLogStream = Rules.oneOf(buildLogStreams).annotate({
  description: "Which part wrote the line: the build `runner`, the `predeploy` command, or Starform (`system`).",
})
export type BuildLogStream = typeof BuildLogStream.Type

/** One line of a build's log (`build_logs`), in the order written. */
export class BuildLogLine extends Schema.Class<BuildLogLine>("BuildLogLine")({
  /** The order lines were written in; a watcher resumes after the last one it saw. */
  seq: Schema.BigInt,
  buildId: BuildId,
  at: Timestamp,
  stream: BuildLogStream,
  line: Rules.text(16_384),
  createdAt: Timestamp,
}) {}

/** A service's build settings (`service_build_settings`); null timeout: the default. */
export class ServiceBuildSettings extends Schema.Class<ServiceBuildSettings>("ServiceBuildSettings")({
  serviceId: ServiceId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  timeoutSeconds: Schema.NullOr(Rules.int(60, 86_400)),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}
