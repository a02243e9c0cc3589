import { ApiError } from "../apiserver/Status.ts"
import { isObject, type JsonObject } from "../Json.ts"
import { conditionsOf, type KObject, podFromTemplate, setCondition } from "../Objects.ts"
import {
  type Context,
  controllerManager,
  isActive,
  list,
  num,
  ownedBy,
  podReady,
  readySince,
  spec,
  status,
  writeStatus,
} from "./Context.ts"
import { type Controller, nsKey, ownerKeys, selfKey, splitKey } from "./Runner.ts"

/** Deletion order when scaling down, as the ReplicaSet controller ranks pods: the least useful go first. */
const rank = (pod: KObject): number[] => {
  const s = status(pod)
  const scheduled = spec(pod).nodeName ? 1 : 0
  const phase = s.phase === "Running" ? 2 : s.phase === "Pending" ? 0 : 1
  const ready = podReady(pod) ? 1 : 0
  const since = readySince(pod) ?? 0
  const restarts = list(s.containerStatuses).reduce<number>((n, c) => n + (isObject(c) ? num(c.restartCount) : 0), 0)
  const created = Date.parse(pod.metadata.creationTimestamp ?? "") || 0
  return [scheduled, phase, ready, -since, -restarts, -created]
}

const compareRank = (a: KObject, b: KObject) => {
  const ra = rank(a)
  const rb = rank(b)
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!
  return 0
}

/** Keeps `spec.replicas` pods running from the template and reports how many are ready and available. */
export class ReplicaSets implements Controller {
  readonly name = "replicaset-controller"
  readonly triggers: Controller["triggers"]

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    this.triggers = [
      { resource: ctx.types.replicaSets, keys: selfKey },
      { resource: ctx.types.pods, keys: ownerKeys("ReplicaSet") },
    ]
  }

  sync(key: string): void {
    const { cluster, types, clock, scheduler } = this.ctx
    const [namespace, name] = splitKey(key)
    const rs = cluster.find(types.replicaSets, namespace, name)
    if (!rs || rs.metadata.deletionTimestamp) return
    const rsSpec = spec(rs)
    const desired = num(rsSpec.replicas, 1)
    const pods = ownedBy(this.ctx, rs, types.pods)
    const active = pods.filter(isActive)
    let failure: { reason: string; message: string } | undefined
    if (active.length < desired) {
      for (let i = active.length; i < desired; i++) {
        try {
          active.push(this.createPod(rs))
        } catch (error) {
          if (!(error instanceof ApiError) || error.code === 409) throw error
          failure = { reason: "FailedCreate", message: error.message }
          break
        }
      }
    } else if (active.length > desired) {
      const victims = [...active].sort(compareRank).slice(0, active.length - desired)
      for (const pod of victims) {
        cluster.delete(types.pods, pod.metadata.namespace, pod.metadata.name ?? "", {})
        active.splice(active.indexOf(pod), 1)
      }
    }
    const minReady = num(rsSpec.minReadySeconds) * 1000
    const now = clock.now()
    let ready = 0
    let available = 0
    let wake: number | undefined
    for (const pod of active) {
      if (!podReady(pod)) continue
      ready++
      const since = readySince(pod) ?? now
      if (since + minReady <= now) available++
      else wake = Math.min(wake ?? Number.POSITIVE_INFINITY, since + minReady)
    }
    if (wake !== undefined) scheduler.requeueAt(this.name, key, wake)
    const selectorLabels =
      isObject(rsSpec.selector) && isObject(rsSpec.selector.matchLabels) ? rsSpec.selector.matchLabels : {}
    const fullyLabeled = active.filter((pod) =>
      Object.entries(selectorLabels).every(([k, v]) => pod.metadata.labels?.[k] === v),
    ).length
    const old = status(rs)
    let conditions = conditionsOf(old.conditions)
    if (failure) {
      conditions = setCondition(conditions, { type: "ReplicaFailure", status: "True", ...failure }, clock.iso())
    } else if (active.length >= desired) {
      conditions = conditions.filter((c) => c.type !== "ReplicaFailure")
    }
    const next: JsonObject = {
      replicas: active.length,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation ?? 1,
      ...(conditions.length > 0 ? { conditions: conditions } : {}),
    }
    if (ready === 0) delete next.readyReplicas
    if (available === 0) delete next.availableReplicas
    if (active.length === 0) delete next.fullyLabeledReplicas
    writeStatus(this.ctx, types.replicaSets, rs, next, controllerManager)
    if (failure) scheduler.requeueAt(this.name, nsKey(rs), now + 10_000)
  }

  private createPod(rs: KObject): KObject {
    const pod = podFromTemplate(rs)
    return this.ctx.cluster.create(this.ctx.types.pods, rs.metadata.namespace, pod, { manager: controllerManager })
  }
}
