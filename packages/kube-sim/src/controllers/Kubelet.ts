import { createHash } from "node:crypto"
import type { LogSource } from "../apiserver/Logs.ts"
import type { StoreEvent } from "../apiserver/Store.ts"
import { deepEqual, isObject, type JsonObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import { type Context, list, spec, status, str } from "./Context.ts"
import { backoff, podStatus, type Runtime } from "./PodStatus.ts"
import { analyze, never, type Run } from "./Probes.ts"
import { type Controller, nsKey, splitKey } from "./Runner.ts"

const nodeCount = 3

/** How long an app takes to exit after SIGTERM unless its script says otherwise. */
const defaultShutdownMs = 1000

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
    const next = podStatus(pod, runtime, run, now)
    if (!deepEqual(status(pod), next)) this.writePodStatus(pod, next)
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
