import { Schema } from "effect"
import { Count, JsonObject, Timestamp } from "./Columns.ts"
import { BuildId, DeploymentId, EnvironmentId, ProjectId, ServiceId, UserId } from "./Ids.ts"
import { ImageRef } from "./Projects.ts"
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
export const DeploymentStatus = Rules.oneOf(deploymentStatuses)
export type DeploymentStatus = typeof DeploymentStatus.Type

export const deploymentTriggers = ["push", "api", "rollback", "redeploy", "cli"] as const
export const DeploymentTrigger = Rules.oneOf(deploymentTriggers)
export type DeploymentTrigger = typeof DeploymentTrigger.Type

/** A full Git commit SHA: 40 lower-case hex digits. */
export const CommitSha = Rules.matching(
  "commit-sha",
  /^[0-9a-f]{40}$/,
  "must be a commit SHA: 40 characters of 0-9 and a-f",
)

/** An image's content digest, `sha256:` and 64 lower-case hex digits. */
export const ImageDigest = Rules.matching(
  "image-digest",
  /^sha256:[0-9a-f]{64}$/,
  "must be an image digest: sha256: followed by 64 characters of 0-9 and a-f",
)

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
export const BuildStatus = Rules.oneOf(buildStatuses)
export type BuildStatus = typeof BuildStatus.Type

/** Whose fault a failed build was: infrastructure faults are retried as a new attempt, user faults are not. */
export const buildFailureKinds = ["user", "infrastructure"] as const
export const BuildFailureKind = Rules.oneOf(buildFailureKinds)
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
}) {}
