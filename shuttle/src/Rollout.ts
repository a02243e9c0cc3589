import type { ShuttleRpc } from "@starform/domain"

/**
 * The wait step's judgement of a release from its Deployment and pods: complete and ready, still progressing, or
 * failed with a reason a person can act on. Pure: the cache supplies the objects.
 */

interface Condition {
  readonly type?: string
  readonly status?: string
  readonly reason?: string
  readonly message?: string
}

export interface LiveDeployment {
  readonly metadata: { readonly generation?: number }
  readonly spec?: { readonly replicas?: number }
  readonly status?: {
    readonly observedGeneration?: number
    readonly replicas?: number
    readonly updatedReplicas?: number
    readonly readyReplicas?: number
    readonly availableReplicas?: number
    readonly conditions?: ReadonlyArray<Condition>
  }
}

interface ContainerStatus {
  readonly name?: string
  readonly restartCount?: number
  readonly state?: { readonly waiting?: { readonly reason?: string; readonly message?: string } }
}

export interface LivePod {
  readonly metadata: { readonly name: string }
  readonly status?: { readonly containerStatuses?: ReadonlyArray<ContainerStatus> }
}

export interface Assessment {
  readonly phase: ShuttleRpc.ObservedPhase
  readonly desiredReplicas: number
  readonly updatedReplicas: number
  readonly readyReplicas: number
  readonly availableReplicas: number
  readonly conditions: ReadonlyArray<ShuttleRpc.Condition>
  readonly failureReason: string | null
}

/** Waiting reasons that mean the release will not start without a new deploy. */
const fatalWaiting = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "CreateContainerConfigError",
])

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`)

/**
 * Complete and ready: the controller saw the latest generation, and every wanted replica is updated, ready and
 * available. The API server moves a Deployment's generation for a change to its annotations too (Shuttle's applied
 * digest is one), so counts read before the controller observed that generation say nothing about it.
 */
export const complete = (deployment: LiveDeployment): boolean => {
  const wanted = deployment.spec?.replicas ?? 1
  const status = deployment.status ?? {}
  return (
    (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 1) &&
    (status.replicas ?? 0) === wanted &&
    (status.updatedReplicas ?? 0) === wanted &&
    (status.readyReplicas ?? 0) === wanted &&
    (status.availableReplicas ?? 0) === wanted
  )
}

const failure = (deployment: LiveDeployment, pods: ReadonlyArray<LivePod>): string | null => {
  const conditions = deployment.status?.conditions ?? []
  const stalled = conditions.find(
    (c) => c.type === "Progressing" && c.status === "False" && c.reason === "ProgressDeadlineExceeded",
  )
  if (stalled) return `ProgressDeadlineExceeded: ${stalled.message ?? "the release made no progress in time"}`
  const replicaFailure = conditions.find((c) => c.type === "ReplicaFailure" && c.status === "True")
  if (replicaFailure) {
    return `ReplicaFailure: ${[replicaFailure.reason, replicaFailure.message].filter(Boolean).join(": ")}`
  }
  for (const pod of pods) {
    for (const container of pod.status?.containerStatuses ?? []) {
      const waiting = container.state?.waiting
      if (waiting?.reason !== undefined && fatalWaiting.has(waiting.reason)) {
        const restarts = container.restartCount ?? 0
        return (
          `${waiting.reason}: container ${container.name ?? "app"} of pod ${pod.metadata.name}` +
          (restarts > 0 ? ` restarted ${restarts} times` : "") +
          (waiting.message ? `: ${waiting.message}` : "")
        )
      }
    }
  }
  return null
}

/** The release's rollout, judged from its live Deployment (null: not created yet) and its pods. */
export const assess = (deployment: LiveDeployment | null, pods: ReadonlyArray<LivePod>): Assessment => {
  if (deployment === null) {
    return {
      phase: "progressing",
      desiredReplicas: 0,
      updatedReplicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      conditions: [],
      failureReason: null,
    }
  }
  const status = deployment.status ?? {}
  const reason = complete(deployment) ? null : failure(deployment, pods)
  return {
    phase: complete(deployment) ? "ready" : reason !== null ? "failed" : "progressing",
    desiredReplicas: deployment.spec?.replicas ?? 1,
    updatedReplicas: status.updatedReplicas ?? 0,
    readyReplicas: status.readyReplicas ?? 0,
    availableReplicas: status.availableReplicas ?? 0,
    conditions: (status.conditions ?? []).map((c) => ({
      type: cut(c.type ?? "Unknown", 253),
      status: c.status === "True" || c.status === "False" ? c.status : "Unknown",
      reason: c.reason === undefined ? null : cut(c.reason, 1024),
      message: c.message === undefined ? null : cut(c.message, 32_768),
    })),
    failureReason: reason === null ? null : cut(reason, 32_768),
  }
}
