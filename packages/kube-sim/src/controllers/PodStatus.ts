import type { PodBehavior } from "../Behaviors.ts"
import { rfc3339 } from "../Clock.ts"
import { isObject, type JsonObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import { list, spec, status, str } from "./Context.ts"
import type { Run } from "./Probes.ts"

interface Termination {
  readonly exitCode: number
  readonly reason: string
  readonly startedAt: number
  readonly finishedAt: number
}

/** What the kubelet keeps of one pod between syncs: its container runs, restarts, readiness and output. */
export interface Runtime {
  readonly uid: string
  readonly behavior: PodBehavior
  readonly node: number
  readonly ip: string
  readonly containerId: string
  restartCount: number
  runStart: number | undefined
  nextStartAt: number
  waiting: "ContainerCreating" | "CrashLoopBackOff" | "ErrImagePull" | "ImagePullBackOff"
  lastTermination: Termination | undefined
  terminal: (Termination & { readonly phase: "Succeeded" | "Failed" }) | undefined
  readySince: number | undefined
  unreadySince: number
  stopAt: number | undefined
  logged: number
  readonly lines: Array<{ readonly at: number; readonly line: string }>
  readonly followers: Set<{ onLine: (line: string) => void; onEnd: () => void }>
}

/** A duration as Go prints it: 10s, 1m20s, 5m0s. */
const goDuration = (ms: number): string => {
  const seconds = Math.round(ms / 1000)
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`
}
/** CrashLoopBackOff: 10 s after the first restart, doubling, at most five minutes. */
export const backoff = (restarts: number) => Math.min(10_000 * 2 ** Math.max(0, restarts - 1), 300_000)

/**
 * The status the kubelet reports for a pod at `now`: phase, container states and restarts, pod IPs and the
 * conditions, as the probes of the current run (if one is running) decide them. Records when readiness changed.
 */
export const podStatus = (pod: KObject, runtime: Runtime, run: Run | undefined, now: number): JsonObject => {
  const podSpec = spec(pod)
  const containers = list(podSpec.containers).filter(isObject)
  const ready = run !== undefined && run.readyAt <= now
  if (ready && runtime.readySince === undefined) runtime.readySince = run.readyAt
  if (!ready && runtime.readySince !== undefined) {
    runtime.readySince = undefined
    runtime.unreadySince = now
  }
  const started = run !== undefined && run.startedAt <= now
  const time = (ms: number) => rfc3339(ms)
  const stateOf = (): JsonObject => {
    if (runtime.terminal)
      return {
        terminated: {
          exitCode: runtime.terminal.exitCode,
          reason: runtime.terminal.reason,
          startedAt: time(runtime.terminal.startedAt),
          finishedAt: time(runtime.terminal.finishedAt),
          containerID: `containerd://${runtime.containerId}`,
        },
      }
    if (run !== undefined && runtime.runStart !== undefined) return { running: { startedAt: time(runtime.runStart) } }
    const image = str(containers[0]?.image) ?? ""
    const messages: Record<Runtime["waiting"], string | undefined> = {
      ContainerCreating: undefined,
      CrashLoopBackOff: `back-off ${goDuration(backoff(runtime.restartCount))} restarting failed container=${str(containers[0]?.name) ?? ""} pod=${pod.metadata.name ?? ""}_${pod.metadata.namespace ?? ""}(${runtime.uid})`,
      ErrImagePull: `failed to pull and unpack image "${image}": not found`,
      ImagePullBackOff: `Back-off pulling image "${image}"`,
    }
    const message = messages[runtime.waiting]
    return { waiting: { reason: runtime.waiting, ...(message ? { message } : {}) } }
  }
  const state = stateOf()
  const lastState: JsonObject = runtime.lastTermination
    ? {
        terminated: {
          exitCode: runtime.lastTermination.exitCode,
          reason: runtime.lastTermination.reason,
          startedAt: time(runtime.lastTermination.startedAt),
          finishedAt: time(runtime.lastTermination.finishedAt),
          containerID: `containerd://${runtime.containerId}`,
        },
      }
    : {}
  const containerStatuses = containers.map((c, i) => ({
    name: str(c.name) ?? "",
    image: str(c.image) ?? "",
    imageID: `${str(c.image) ?? ""}@sha256:${runtime.containerId.slice(0, 64)}`,
    containerID: `containerd://${runtime.containerId.slice(0, 60)}${i}`,
    ready,
    started: runtime.terminal ? false : started,
    restartCount: runtime.restartCount,
    state,
    lastState,
  }))
  const phase = runtime.terminal
    ? runtime.terminal.phase
    : run !== undefined || runtime.restartCount > 0
      ? "Running"
      : "Pending"
  const old = status(pod)
  const oldConditions = list(old.conditions).filter(isObject)
  const transition = (type: string, value: boolean, at: number) => {
    const previous = oldConditions.find((c) => c.type === type)
    const flag = value ? "True" : "False"
    return previous && previous.status === flag ? (previous.lastTransitionTime ?? time(at)) : time(at)
  }
  const readyReason = runtime.terminal ? "PodCompleted" : "ContainersNotReady"
  const notReadyNames = containers.map((c) => str(c.name) ?? "")
  const readyCondition = (type: string): JsonObject => ({
    type,
    status: ready ? "True" : "False",
    lastProbeTime: null,
    lastTransitionTime: transition(type, ready, ready ? (runtime.readySince ?? now) : runtime.unreadySince),
    ...(ready
      ? {}
      : {
          reason: readyReason,
          message: runtime.terminal ? "" : `containers with unready status: [${notReadyNames.join(" ")}]`,
        }),
  })
  const scheduledAt = oldConditions.find((c) => c.type === "PodScheduled" && c.status === "True")?.lastTransitionTime
  const startTime = str(old.startTime) ?? time(now)
  const next: JsonObject = {
    phase,
    conditions: [
      {
        type: "PodReadyToStartContainers",
        status: runtime.terminal ? "False" : "True",
        lastProbeTime: null,
        lastTransitionTime: transition("PodReadyToStartContainers", !runtime.terminal, now),
      },
      { type: "Initialized", status: "True", lastProbeTime: null, lastTransitionTime: str(scheduledAt) ?? time(now) },
      readyCondition("Ready"),
      readyCondition("ContainersReady"),
      {
        type: "PodScheduled",
        status: "True",
        lastProbeTime: null,
        lastTransitionTime: str(scheduledAt) ?? time(now),
      },
    ],
    hostIP: `10.0.0.${runtime.node + 10}`,
    hostIPs: [{ ip: `10.0.0.${runtime.node + 10}` }],
    podIP: runtime.ip,
    podIPs: [{ ip: runtime.ip }],
    startTime,
    containerStatuses,
    qosClass: str(old.qosClass) ?? "BestEffort",
  }
  return next
}
