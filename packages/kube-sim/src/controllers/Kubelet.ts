import { createHash } from "node:crypto"
import type { LogSource } from "../apiserver/Logs.ts"
import type { StoreEvent } from "../apiserver/Store.ts"
import type { PodBehavior } from "../Behaviors.ts"
import { rfc3339 } from "../Clock.ts"
import { deepEqual, isObject, type Json, type JsonObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import { type Context, list, num, spec, status, str } from "./Context.ts"
import { type Controller, nsKey, splitKey } from "./Runner.ts"

const never = Number.POSITIVE_INFINITY

interface Probe {
  readonly delay: number
  readonly period: number
  readonly success: number
  readonly failure: number
}

const probeOf = (value: Json | undefined): Probe | undefined => {
  if (!isObject(value)) return undefined
  return {
    delay: num(value.initialDelaySeconds) * 1000,
    period: Math.max(1, num(value.periodSeconds, 10)) * 1000,
    success: Math.max(1, num(value.successThreshold, 1)),
    failure: Math.max(1, num(value.failureThreshold, 3)),
  }
}

/** One container run, worked out from its start time, the script and the probes. */
interface Run {
  /** When the startup probe passed (the container's `started`); the start itself without one. */
  readonly startedAt: number
  readonly readyAt: number
  readonly endAt: number
  readonly exitCode: number
  readonly reason: string
}

const analyzeContainer = (start: number, behavior: PodBehavior, container: JsonObject): Run => {
  const answerAt = behavior.neverAnswers ? never : start + (behavior.startupMs ?? 0)
  let endAt = never
  let exitCode = 0
  if (behavior.crash) {
    endAt = start + behavior.crash.afterMs
    exitCode = behavior.crash.exitCode ?? 1
  } else if (behavior.exit) {
    endAt = start + behavior.exit.afterMs
    exitCode = behavior.exit.exitCode
  }
  let killAt = never
  const startup = probeOf(container.startupProbe)
  let startedAt = start
  if (startup) {
    const first = start + startup.delay
    const k = answerAt <= first ? 0 : Math.ceil((answerAt - first) / startup.period)
    if (k < startup.failure) startedAt = first + k * startup.period
    else {
      startedAt = never
      killAt = first + (startup.failure - 1) * startup.period
    }
  }
  const liveness = probeOf(container.livenessProbe)
  if (liveness && startedAt < never) {
    const first = Math.max(start + liveness.delay, startedAt)
    if (answerAt > first) {
      const failures = answerAt === never ? never : Math.ceil((answerAt - first) / liveness.period)
      if (failures >= liveness.failure) killAt = Math.min(killAt, first + (liveness.failure - 1) * liveness.period)
    }
  }
  const readiness = probeOf(container.readinessProbe)
  let readyAt = startedAt
  if (readiness && startedAt < never) {
    const first = Math.max(start + readiness.delay, startedAt)
    const success =
      answerAt === never
        ? never
        : answerAt <= first
          ? first
          : first + Math.ceil((answerAt - first) / readiness.period) * readiness.period
    readyAt = success === never ? never : success + (readiness.success - 1) * readiness.period
  }
  if (killAt < endAt) {
    endAt = killAt
    exitCode = 137
  }
  if (readyAt >= endAt) readyAt = never
  return { startedAt, readyAt, endAt, exitCode, reason: exitCode === 0 ? "Completed" : "Error" }
}

const analyze = (start: number, behavior: PodBehavior, containers: JsonObject[]): Run => {
  const runs = containers.map((c) => analyzeContainer(start, behavior, c))
  const endAt = Math.min(...runs.map((r) => r.endAt))
  const ending = runs.find((r) => r.endAt === endAt) ?? runs[0]!
  const readyAt = Math.max(...runs.map((r) => r.readyAt))
  return {
    startedAt: Math.max(...runs.map((r) => r.startedAt)),
    readyAt: readyAt >= endAt ? never : readyAt,
    endAt,
    exitCode: ending.exitCode,
    reason: ending.reason,
  }
}

interface Termination {
  readonly exitCode: number
  readonly reason: string
  readonly startedAt: number
  readonly finishedAt: number
}

interface Runtime {
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

const nodeCount = 3

/** A duration as Go prints it: 10s, 1m20s, 5m0s. */
const goDuration = (ms: number): string => {
  const seconds = Math.round(ms / 1000)
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`
}
/** How long an app takes to exit after SIGTERM unless its script says otherwise. */
const defaultShutdownMs = 1000
const backoff = (restarts: number) => Math.min(10_000 * 2 ** Math.max(0, restarts - 1), 300_000)

/**
 * The scheduler and the kubelets of a three-node cluster: binds pods (waiting for their volumes), runs their
 * containers per the test's script, and reports phase, container states, restarts and the Ready condition as
 * the probes would decide them. Deleted pods shut down within their grace period, then disappear.
 */
export class Kubelet implements Controller, LogSource {
  readonly name = "kubelet"
  readonly triggers: Controller["triggers"]
  private readonly runtimes = new Map<string, Runtime>()
  private nextNode = 0
  private nextIp = 0

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    const podKeys = (event: StoreEvent) => [nsKey(event.object)]
    this.triggers = [
      { resource: ctx.types.pods, keys: podKeys },
      {
        resource: ctx.types.pvcs,
        keys: (event) =>
          ctx.cluster.store
            .list(ctx.types.pods, event.object.metadata.namespace)
            .filter((pod) => !spec(pod).nodeName)
            .map(nsKey),
      },
    ]
  }

  sync(key: string): void {
    const [namespace, name] = splitKey(key)
    const pod = this.ctx.cluster.find(this.ctx.types.pods, namespace, name)
    if (!pod) {
      for (const [uid, runtime] of this.runtimes) if (!this.ctx.cluster.store.byUidLookup(uid)) this.forget(runtime)
      return
    }
    if (!spec(pod).nodeName) {
      this.schedule(pod)
      return
    }
    this.run(pod)
  }

  private forget(runtime: Runtime) {
    for (const follower of runtime.followers) follower.onEnd()
    this.runtimes.delete(runtime.uid)
  }

  private schedule(pod: KObject) {
    const { cluster, types } = this.ctx
    if (pod.metadata.deletionTimestamp) {
      cluster.finalize(types.pods, pod)
      return
    }
    const problem = this.volumeProblem(pod)
    const now = this.ctx.clock.iso()
    if (problem) {
      const conditions = [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: problem,
          lastProbeTime: null,
          lastTransitionTime: now,
        },
      ]
      const current = list(status(pod).conditions)
      const same = current.length === 1 && isObject(current[0]) && current[0].message === problem
      if (!same) this.writePodStatus(pod, { ...status(pod), phase: "Pending", conditions })
      return
    }
    const node = (this.nextNode++ % nodeCount) + 1
    const bound = cluster.update(
      types.pods,
      pod.metadata.namespace,
      pod.metadata.name ?? "",
      { ...pod, spec: { ...spec(pod), nodeName: `sim-node-${node}` } },
      { manager: "kube-scheduler" },
    )
    this.run(bound)
  }

  /** Why the pod cannot be placed yet: a claim missing or unbound. Triggers WaitForFirstConsumer provisioning. */
  private volumeProblem(pod: KObject): string | undefined {
    const { cluster, types } = this.ctx
    for (const volume of list(spec(pod).volumes)) {
      if (!isObject(volume) || !isObject(volume.persistentVolumeClaim)) continue
      const claimName = str(volume.persistentVolumeClaim.claimName) ?? ""
      const pvc = cluster.find(types.pvcs, pod.metadata.namespace, claimName)
      if (!pvc)
        return `0/${nodeCount} nodes are available: persistentvolumeclaim "${claimName}" not found. preemption: 0/${nodeCount} nodes are available: ${nodeCount} Preemption is not helpful for scheduling.`
      if (pvc.metadata.deletionTimestamp)
        return `0/${nodeCount} nodes are available: persistentvolumeclaim "${claimName}" is being deleted.`
      if (status(pvc).phase !== "Bound") {
        const annotations = pvc.metadata.annotations ?? {}
        if (!annotations["volume.kubernetes.io/selected-node"]) {
          cluster.update(
            types.pvcs,
            pvc.metadata.namespace,
            claimName,
            {
              ...pvc,
              metadata: {
                ...pvc.metadata,
                annotations: { ...annotations, "volume.kubernetes.io/selected-node": "sim-node-1" },
              },
            },
            { manager: "kube-scheduler" },
          )
        }
        return `0/${nodeCount} nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/${nodeCount} nodes are available: ${nodeCount} Preemption is not helpful for scheduling.`
      }
    }
    return undefined
  }

  private runtimeOf(pod: KObject): Runtime {
    const uid = pod.metadata.uid ?? ""
    let runtime = this.runtimes.get(uid)
    if (!runtime) {
      const behavior = this.ctx.behaviors.forPod(pod)
      const node = Number((str(spec(pod).nodeName) ?? "sim-node-1").replace(/\D/g, "")) || 1
      const n = this.nextIp++
      const now = this.ctx.clock.now()
      runtime = {
        uid,
        behavior,
        node,
        ip: `10.244.${node}.${(n % 250) + 2}`,
        containerId: createHash("sha256").update(uid).digest("hex"),
        restartCount: 0,
        runStart: undefined,
        nextStartAt: now + (behavior.pullMs ?? 0),
        waiting: "ContainerCreating",
        lastTermination: undefined,
        terminal: undefined,
        readySince: undefined,
        unreadySince: now,
        stopAt: undefined,
        logged: 0,
        lines: [],
        followers: new Set(),
      }
      this.runtimes.set(uid, runtime)
    }
    return runtime
  }

  private run(pod: KObject) {
    const { cluster, clock, scheduler, types } = this.ctx
    const now = clock.now()
    const key = nsKey(pod)
    const runtime = this.runtimeOf(pod)
    const podSpec = spec(pod)
    const containers = list(podSpec.containers).filter(isObject)
    const restartPolicy = str(podSpec.restartPolicy) ?? "Always"

    if (pod.metadata.deletionTimestamp) {
      if (runtime.stopAt === undefined) {
        const graceEnd = Date.parse(pod.metadata.deletionTimestamp)
        runtime.stopAt = Math.min(graceEnd, now + (runtime.behavior.shutdownMs ?? defaultShutdownMs))
      }
      if (runtime.terminal || runtime.stopAt <= now || runtime.runStart === undefined) {
        this.forget(runtime)
        cluster.finalize(types.pods, pod)
        return
      }
      scheduler.requeueAt(this.name, key, runtime.stopAt)
      // Until its containers exit the app still answers probes: a terminating endpoint can still be serving.
      const run = analyze(runtime.runStart, runtime.behavior, containers)
      this.report(pod, runtime, run.endAt > now ? run : undefined, now)
      return
    }

    let current: Run | undefined
    let wake = never
    if (runtime.behavior.imagePullError) {
      runtime.waiting =
        now - (runtime.nextStartAt - (runtime.behavior.pullMs ?? 0)) >= 10_000 ? "ImagePullBackOff" : "ErrImagePull"
      if (runtime.waiting === "ErrImagePull") wake = runtime.nextStartAt + 10_000
    } else {
      for (let guard = 0; guard < 10_000 && !runtime.terminal; guard++) {
        if (runtime.runStart === undefined) {
          if (runtime.nextStartAt > now) {
            wake = runtime.nextStartAt
            break
          }
          runtime.runStart = runtime.nextStartAt
        }
        const run = analyze(runtime.runStart, runtime.behavior, containers)
        this.emitLogs(runtime, Math.min(now, run.endAt))
        if (run.endAt > now) {
          current = run
          wake = Math.min(
            run.endAt,
            run.readyAt > now ? run.readyAt : never,
            run.startedAt > now ? run.startedAt : never,
            this.nextLogAt(runtime),
          )
          break
        }
        const termination = {
          exitCode: run.exitCode,
          reason: run.reason,
          startedAt: runtime.runStart,
          finishedAt: run.endAt,
        }
        const restart = restartPolicy === "Always" || (restartPolicy === "OnFailure" && run.exitCode !== 0)
        if (!restart) {
          runtime.terminal = { ...termination, phase: run.exitCode === 0 ? "Succeeded" : "Failed" }
          for (const follower of runtime.followers) follower.onEnd()
          runtime.followers.clear()
          break
        }
        runtime.lastTermination = termination
        runtime.restartCount++
        runtime.runStart = undefined
        runtime.waiting = "CrashLoopBackOff"
        runtime.nextStartAt = run.endAt + backoff(runtime.restartCount)
      }
    }
    if (wake < never) scheduler.requeueAt(this.name, key, wake)
    this.report(pod, runtime, current, now)
  }

  private nextLogAt(runtime: Runtime): number {
    const logs = runtime.behavior.logs ?? []
    const start = runtime.runStart ?? 0
    const next = logs.slice(runtime.logged).map((entry) => start + (typeof entry === "string" ? 0 : entry.atMs))
    return next.length > 0 ? Math.min(...next) : never
  }

  private emitLogs(runtime: Runtime, until: number) {
    const logs = runtime.behavior.logs ?? []
    const start = runtime.runStart ?? 0
    while (runtime.logged < logs.length) {
      const entry = logs[runtime.logged]!
      const at = start + (typeof entry === "string" ? 0 : entry.atMs)
      if (at > until) break
      const line = typeof entry === "string" ? entry : entry.line
      runtime.lines.push({ at, line })
      runtime.logged++
      for (const follower of runtime.followers) follower.onLine(line)
    }
  }

  private report(pod: KObject, runtime: Runtime, run: Run | undefined, now: number) {
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
    if (!deepEqual(old, next)) this.writePodStatus(pod, next)
  }

  private writePodStatus(pod: KObject, next: JsonObject) {
    this.ctx.cluster.update(
      this.ctx.types.pods,
      pod.metadata.namespace,
      pod.metadata.name ?? "",
      { ...pod, status: next },
      { manager: "kubelet", scope: "status" },
    )
  }

  // pods/log

  read(pod: KObject, _container: string | undefined): string {
    const runtime = this.runtimes.get(pod.metadata.uid ?? "")
    return runtime ? runtime.lines.map((l) => `${l.line}\n`).join("") : ""
  }

  follow(pod: KObject, _container: string | undefined, onLine: (line: string) => void, onEnd: () => void): () => void {
    const runtime = this.runtimes.get(pod.metadata.uid ?? "")
    if (!runtime || runtime.terminal) {
      onEnd()
      return () => {}
    }
    const follower = { onLine, onEnd }
    runtime.followers.add(follower)
    return () => runtime.followers.delete(follower)
  }
}
