import { Context, Schema } from "effect"
import { Rpc, RpcGroup, RpcMiddleware } from "effect/rpc"
import { ClusterId, DeploymentId, ServiceId } from "./Ids.ts"
import * as Rules from "./Rules.ts"

/**
 * The contract between the projects service and Shuttle, the reconciler in each cluster. Shuttle pulls its
 * cluster's desired state (a long-poll) and reports what it observes back; the reports drive deployments from
 * `deploying` to `active` or `failed`.
 *
 * Every call carries the cluster's token as `authorization: Bearer <token>` (set it with
 * `RpcClient.withHeaders` or on the HTTP client); the token names the cluster, and a call about any other
 * cluster is refused like a bad token.
 */

/** The header that carries a cluster's token. */
export const tokenHeader = "authorization"

/** The token is missing, unknown or revoked, or names another cluster than the call does. */
export class ClusterUnauthorized extends Schema.TaggedError<ClusterUnauthorized>()("ClusterUnauthorized", {
  message: Schema.String,
}) {}

/** The cluster the presented token belongs to. */
export class CurrentCluster extends Context.Service<CurrentCluster, { readonly clusterId: ClusterId }>()(
  "starform/ShuttleRpc/CurrentCluster",
) {}

/** Checks the bearer token of each call and provides the cluster it belongs to. */
export class ClusterAuthentication extends RpcMiddleware.Service<ClusterAuthentication, { provides: CurrentCluster }>()(
  "starform/ShuttleRpc/ClusterAuthentication",
  { error: ClusterUnauthorized },
) {}

/** The longest a `GetDesiredStateDocument` call waits for a newer version. */
export const maxWaitMs = 60_000
/** How long it waits when the call does not say. */
export const defaultWaitMs = 30_000

/** Nothing newer appeared while the call waited: the caller's version is current. */
export const NotModified = Schema.TaggedStruct("NotModified", {
  version: Rules.int(0),
  hash: Schema.NullOr(Schema.String),
})
export type NotModified = typeof NotModified.Type

/**
 * A newer version than the caller holds, as the canonical JSON of its content: the exact bytes `hash` is the SHA-256
 * of (`DesiredState.hashOfBytes`), so the receiver checks them byte for byte and can cache them as they are. The
 * content decodes with `DesiredState.Content`; Shuttle opens it in `shuttle/src/Document.ts`.
 */
export const ChangedDocument = Schema.TaggedStruct("ChangedDocument", {
  clusterId: ClusterId,
  version: Rules.int(1),
  hash: Schema.String,
  document: Schema.String,
})
export type ChangedDocument = typeof ChangedDocument.Type

export const DesiredDocumentAnswer = Schema.Union([ChangedDocument, NotModified])
export type DesiredDocumentAnswer = typeof DesiredDocumentAnswer.Type

/**
 * The cluster's desired state. Answers at once with `ChangedDocument` when a version newer than `knownVersion`
 * exists (0: the caller holds none); otherwise waits up to `waitMs` for one and answers `ChangedDocument` the moment
 * it is published, or `NotModified` when the wait ends.
 */
export const GetDesiredStateDocument = Rpc.make("GetDesiredStateDocument", {
  payload: {
    clusterId: ClusterId,
    knownVersion: Rules.int(0),
    waitMs: Schema.optionalKey(Rules.int(0, maxWaitMs)),
  },
  success: DesiredDocumentAnswer,
  error: ClusterUnauthorized,
})

export const observedPhases = ["progressing", "ready", "failed"] as const
/** Where a release's rollout stands: still rolling out, complete and ready, or given up on. */
export const ObservedPhase = Rules.oneOf(observedPhases)
export type ObservedPhase = typeof ObservedPhase.Type

/** A Kubernetes condition as Shuttle saw it, e.g. `{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }`. */
export const Condition = Schema.Struct({
  type: Rules.text(253, 1).annotate({ description: "The condition's type, e.g. `Progressing`, `Available`." }),
  status: Schema.Literals(["True", "False", "Unknown"]).annotate({ description: "`True`, `False` or `Unknown`." }),
  reason: Schema.NullOr(Rules.text(1024)).annotate({
    description: "A one-word reason, e.g. `ProgressDeadlineExceeded`; null when none.",
  }),
  message: Schema.NullOr(Rules.text(32_768)).annotate({ description: "The condition's message; null when none." }),
})
export type Condition = typeof Condition.Type

/** The observed rollout of one service's release. */
export const ObservedService = Schema.Struct({
  serviceId: ServiceId,
  /** The release the figures are about. */
  deploymentId: DeploymentId,
  desiredReplicas: Rules.int(0),
  updatedReplicas: Rules.int(0),
  readyReplicas: Rules.int(0),
  availableReplicas: Rules.int(0),
  conditions: Schema.Array(Condition),
  phase: ObservedPhase,
  /** Why the rollout failed, e.g. `ProgressDeadlineExceeded: …`, `CrashLoopBackOff: …`; null unless failed. */
  failureReason: Schema.NullOr(Rules.text(32_768)),
})
export type ObservedService = typeof ObservedService.Type

/** What the projects service did with a report. */
export const ObservedStateAck = Schema.Struct({
  /** Services of the report that belong to this cluster and were recorded. */
  accepted: Rules.int(0),
  /** Services of the report that are not (or no longer) in this cluster's desired state: ignored. */
  ignored: Rules.int(0),
})
export type ObservedStateAck = typeof ObservedStateAck.Type

/**
 * Shuttle's report of what runs in the cluster. `appliedVersion` is the desired-state version Shuttle last
 * applied. A `ready` release that is `deploying` becomes `active` (the previous one `superseded`); a `failed` one
 * becomes `failed` with `failureReason`, and the previous release keeps serving. Reports may repeat: the same
 * report twice changes nothing more.
 */
export const ReportObservedState = Rpc.make("ReportObservedState", {
  payload: {
    clusterId: ClusterId,
    appliedVersion: Schema.optionalKey(Rules.int(0)),
    services: Schema.Array(ObservedService),
  },
  success: ObservedStateAck,
  error: ClusterUnauthorized,
})

export class ShuttleRpcs extends RpcGroup.make(ReportObservedState).middleware(ClusterAuthentication) {}

/** The path the projects service serves these RPCs on. */
export const path = "/rpc/shuttle"

/** `GetDesiredStateDocument`, a group of its own (same token, same middleware), served at `documentPath`. */
export class ShuttleDocumentRpcs extends RpcGroup.make(GetDesiredStateDocument).middleware(ClusterAuthentication) {}

export const documentPath = "/rpc/shuttle/document"
