import { parseTime } from "../Clock.ts"
import { clone, deepEqual, isObject, type Json, type JsonObject } from "../Json.ts"
import { type Condition, conditionsOf, type KObject, namespaced, ownerRef, setCondition } from "../Objects.ts"
import {
  type Context,
  controllerManager,
  list,
  num,
  ownedBy,
  scaled,
  spec,
  status,
  str,
  writeObject,
  writeStatus,
} from "./Context.ts"
import { type Controller, nsKey, ownerKeys, selfKey, splitKey } from "./Runner.ts"

const canonical = (value: Json): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (isObject(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k]!)}`)
      .join(",")}}`
  return JSON.stringify(value)
}

const alphabet = "bcdfghjklmnpqrstvwxz2456789"

/** pod-template-hash: a short, stable name for a template (FNV-1a, spelled in the API server's safe alphabet). */
export const templateHash = (template: Json, collisions = 0): string => {
  let hash = 0x811c9dc5
  const text = canonical(template) + (collisions > 0 ? String(collisions) : "")
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  let out = ""
  let n = hash
  do {
    out += alphabet[n % alphabet.length]
    n = Math.floor(n / alphabet.length)
  } while (n > 0)
  return out
}

// Stored objects never change, so a template's identity can be remembered by reference.
const identities = new WeakMap<object, string>()

/** What two templates are compared by: everything but the pod-template-hash label. */
const identity = (template: Json | undefined): string => {
  if (!isObject(template)) return canonical(withoutHash(template))
  let known = identities.get(template)
  if (known === undefined) {
    known = canonical(withoutHash(template))
    identities.set(template, known)
  }
  return known
}

const revisionOf = (rs: KObject): number =>
  Number(rs.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? "0") || 0

const withoutHash = (template: Json | undefined): Json => {
  const copy = clone(template ?? {}) as JsonObject
  const metadata = isObject(copy.metadata) ? copy.metadata : undefined
  if (metadata && isObject(metadata.labels)) {
    delete metadata.labels["pod-template-hash"]
    if (Object.keys(metadata.labels).length === 0) delete metadata.labels
  }
  return copy
}

const replicas = (rs: KObject) => num(spec(rs).replicas)
const available = (rs: KObject) => num(status(rs).availableReplicas)

/**
 * The Deployment controller: one ReplicaSet per pod template, rolled with maxSurge and maxUnavailable (or
 * Recreate), revisions and history, and the status a rollout is judged by: updated/ready/available replicas and
 * the Available, Progressing (ProgressDeadlineExceeded) and ReplicaFailure conditions.
 */
export class Deployments implements Controller {
  readonly name = "deployment-controller"
  readonly triggers: Controller["triggers"]

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    this.triggers = [
      { resource: ctx.types.deployments, keys: selfKey },
      { resource: ctx.types.replicaSets, keys: ownerKeys("Deployment") },
    ]
  }

  sync(key: string): void {
    const { cluster, types } = this.ctx
    const [namespace, name] = splitKey(key)
    let deployment = cluster.find(types.deployments, namespace, name)
    if (!deployment || deployment.metadata.deletionTimestamp) return
    const dSpec = spec(deployment)
    let all = ownedBy(this.ctx, deployment, types.replicaSets)
    const template = dSpec.template
    const wanted = identity(template)
    let newRS = all.find((rs) => identity(spec(rs).template) === wanted)
    const paused = dSpec.paused === true
    let progressReason: { reason: string; message: string } | undefined

    if (!paused) {
      const maxRevision = all.reduce((n, rs) => Math.max(n, revisionOf(rs)), 0)
      if (!newRS) {
        newRS = this.createReplicaSet(deployment, maxRevision + 1)
        all = [...all, newRS]
        progressReason = { reason: "NewReplicaSetCreated", message: `Created new replica set "${newRS.metadata.name}"` }
      } else if (
        revisionOf(newRS) < maxRevision ||
        newRS.metadata.annotations?.["deployment.kubernetes.io/revision"] === undefined
      ) {
        newRS = this.setRevision(newRS, maxRevision + 1, deployment)
        all = all.map((rs) => (rs.metadata.uid === newRS!.metadata.uid ? newRS! : rs))
        progressReason = { reason: "FoundNewReplicaSet", message: `Found new replica set "${newRS.metadata.name}"` }
      }
      const revision = String(revisionOf(newRS))
      // Through /status, as the real controller does (UpdateStatus): there an annotation moves no generation, so
      // recording the revision does not make the Deployment look unobserved.
      if (deployment.metadata.annotations?.["deployment.kubernetes.io/revision"] !== revision) {
        deployment = cluster.update(
          types.deployments,
          namespace,
          name,
          {
            ...deployment,
            metadata: {
              ...deployment.metadata,
              annotations: { ...deployment.metadata.annotations, "deployment.kubernetes.io/revision": revision },
            },
          },
          { manager: controllerManager, scope: "status" },
        )
      }
      const old = all
        .filter((rs) => rs !== newRS)
        .sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""))
      const strategy = isObject(dSpec.strategy) ? dSpec.strategy : {}
      const rollingUpdate = strategy.type !== "Recreate"
      // A change of replicas while ReplicaSets are active is spread over them first; the rollout goes on at the
      // next sync, from the resized sets.
      const resized =
        this.isScalingEvent(deployment, all) && this.scaleProportionally(deployment, newRS, old, rollingUpdate)
      if (!resized) {
        if (rollingUpdate) this.rolling(deployment, newRS, old)
        else this.recreate(deployment, newRS, old)
      }
      all = ownedBy(this.ctx, deployment, types.replicaSets)
      newRS = all.find((rs) => rs.metadata.uid === newRS!.metadata.uid)
      this.cleanup(deployment, all, newRS)
      all = ownedBy(this.ctx, deployment, types.replicaSets)
    }
    this.syncStatus(deployment, all, newRS, progressReason)
  }

  private createReplicaSet(deployment: KObject, revision: number): KObject {
    const dSpec = spec(deployment)
    const template = clone((dSpec.template ?? {}) as JsonObject)
    const hash = templateHash(withoutHash(template))
    const metadata = isObject(template.metadata) ? template.metadata : {}
    const labels = {
      ...(isObject(metadata.labels) ? (metadata.labels as Record<string, string>) : {}),
      "pod-template-hash": hash,
    }
    template.metadata = { ...metadata, labels }
    const selector = isObject(dSpec.selector) ? clone(dSpec.selector) : {}
    selector.matchLabels = {
      ...(isObject(selector.matchLabels) ? selector.matchLabels : {}),
      "pod-template-hash": hash,
    }
    const desired = num(dSpec.replicas, 1)
    const rs: KObject = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${deployment.metadata.name ?? ""}-${hash}`,
        ...namespaced(deployment.metadata.namespace),
        labels,
        annotations: {
          "deployment.kubernetes.io/desired-replicas": String(desired),
          "deployment.kubernetes.io/max-replicas": String(
            desired + scaled(this.strategyValue(deployment, "maxSurge"), desired, true),
          ),
          "deployment.kubernetes.io/revision": String(revision),
        },
        ownerReferences: [ownerRef(deployment)],
      },
      spec: {
        replicas: 0,
        ...(dSpec.minReadySeconds !== undefined ? { minReadySeconds: dSpec.minReadySeconds } : {}),
        selector,
        template,
      },
    }
    return this.ctx.cluster.create(this.ctx.types.replicaSets, deployment.metadata.namespace, rs, {
      manager: controllerManager,
    })
  }

  private setRevision(rs: KObject, revision: number, deployment: KObject): KObject {
    const annotations = { ...rs.metadata.annotations, "deployment.kubernetes.io/revision": String(revision) }
    const rsSpec = { ...spec(rs) }
    const minReady = spec(deployment).minReadySeconds
    if (minReady === undefined) delete rsSpec.minReadySeconds
    else rsSpec.minReadySeconds = minReady
    return writeObject(
      this.ctx,
      this.ctx.types.replicaSets,
      rs,
      { ...rs, metadata: { ...rs.metadata, annotations }, spec: rsSpec },
      controllerManager,
    )
  }

  private strategyValue(deployment: KObject, field: "maxSurge" | "maxUnavailable"): Json | undefined {
    const strategy = isObject(spec(deployment).strategy) ? (spec(deployment).strategy as JsonObject) : {}
    const rolling = isObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {}
    return rolling[field]
  }

  private bounds(deployment: KObject): { desired: number; surge: number; unavailable: number } {
    const desired = num(spec(deployment).replicas, 1)
    const surge = scaled(this.strategyValue(deployment, "maxSurge") ?? "25%", desired, true)
    let unavailable = scaled(this.strategyValue(deployment, "maxUnavailable") ?? "25%", desired, false)
    if (surge === 0 && unavailable === 0) unavailable = 1
    return { desired, surge, unavailable: Math.min(unavailable, desired) }
  }

  private scale(deployment: KObject, rs: KObject, count: number, annotate = false): KObject {
    const desired = num(spec(deployment).replicas, 1)
    const annotations = {
      ...rs.metadata.annotations,
      "deployment.kubernetes.io/desired-replicas": String(desired),
      "deployment.kubernetes.io/max-replicas": String(desired + this.bounds(deployment).surge),
    }
    if (replicas(rs) === count && (!annotate || deepEqual(annotations, rs.metadata.annotations))) return rs
    return writeObject(
      this.ctx,
      this.ctx.types.replicaSets,
      rs,
      { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...spec(rs), replicas: count } },
      controllerManager,
    )
  }

  /** Some active ReplicaSet was sized for another replica count than the Deployment now asks for. */
  private isScalingEvent(deployment: KObject, all: KObject[]): boolean {
    const desired = String(num(spec(deployment).replicas, 1))
    return all.some((rs) => {
      if (replicas(rs) === 0) return false
      const annotated = rs.metadata.annotations?.["deployment.kubernetes.io/desired-replicas"]
      return annotated !== undefined && annotated !== desired
    })
  }

  /**
   * The Deployment controller's proportional scaling: one active ReplicaSet takes the whole count; a saturated
   * new one lets the old ones go; otherwise the difference is spread in proportion to each set's share.
   */
  private scaleProportionally(
    deployment: KObject,
    newRS: KObject,
    oldSets: KObject[],
    rollingUpdate: boolean,
  ): boolean {
    const desired = num(spec(deployment).replicas, 1)
    const active = [newRS, ...oldSets].filter((rs) => replicas(rs) > 0)
    if (active.length <= 1) {
      this.scale(deployment, active[0] ?? newRS, desired, true)
      return true
    }
    const saturated =
      replicas(newRS) === desired &&
      newRS.metadata.annotations?.["deployment.kubernetes.io/desired-replicas"] === String(desired) &&
      available(newRS) === desired
    if (saturated) {
      for (const rs of oldSets) if (replicas(rs) > 0) this.scale(deployment, rs, 0, true)
      return true
    }
    if (!rollingUpdate) return false
    const { surge } = this.bounds(deployment)
    const allowed = desired > 0 ? desired + surge : 0
    const toAdd = allowed - active.reduce((n, rs) => n + replicas(rs), 0)
    const created = (rs: KObject) => rs.metadata.creationTimestamp ?? ""
    const sorted = [...active].sort((a, b) =>
      replicas(a) !== replicas(b)
        ? replicas(b) - replicas(a)
        : toAdd > 0
          ? created(b).localeCompare(created(a))
          : created(a).localeCompare(created(b)),
    )
    const sizes = new Map<KObject, number>()
    let added = 0
    for (const rs of sorted) {
      let proportion = 0
      if (toAdd !== 0 && toAdd !== added) {
        const annotated =
          Number(rs.metadata.annotations?.["deployment.kubernetes.io/max-replicas"] ?? "") ||
          num(status(deployment).replicas, 1)
        const fraction = desired === 0 ? -replicas(rs) : Math.round((replicas(rs) * allowed) / annotated) - replicas(rs)
        proportion = toAdd > 0 ? Math.min(fraction, toAdd - added) : Math.max(fraction, toAdd - added)
      }
      sizes.set(rs, replicas(rs) + proportion)
      added += proportion
    }
    sorted.forEach((rs, i) => {
      let size = sizes.get(rs)!
      if (i === 0) size = Math.max(0, size + toAdd - added)
      this.scale(deployment, rs, size, true)
    })
    return true
  }

  private rolling(deployment: KObject, newRS: KObject, oldSets: KObject[]) {
    const { desired, surge, unavailable } = this.bounds(deployment)
    let current = newRS
    let old = [...oldSets]
    const total = () => replicas(current) + old.reduce((n, rs) => n + replicas(rs), 0)
    // Scale the new ReplicaSet up as far as maxSurge allows.
    if (replicas(current) > desired) current = this.scale(deployment, current, desired)
    else if (replicas(current) < desired) {
      const room = desired + surge - total()
      if (room > 0)
        current = this.scale(deployment, current, replicas(current) + Math.min(room, desired - replicas(current)))
    }
    if (old.every((rs) => replicas(rs) === 0)) return
    // Scale old ReplicaSets down as far as maxUnavailable allows: unhealthy pods first, then available ones.
    const minAvailable = desired - unavailable
    const newUnavailable = replicas(current) - available(current)
    const maxScaledDown = total() - minAvailable - newUnavailable
    if (maxScaledDown <= 0) return
    let scaledDown = 0
    old = old.map((rs) => {
      if (scaledDown >= maxScaledDown || replicas(rs) === 0 || replicas(rs) === available(rs)) return rs
      const count = Math.min(maxScaledDown - scaledDown, replicas(rs) - available(rs))
      scaledDown += count
      return this.scale(deployment, rs, replicas(rs) - count)
    })
    const availableCount = available(current) + old.reduce((n, rs) => n + Math.min(available(rs), replicas(rs)), 0)
    if (availableCount <= minAvailable) return
    const budget = availableCount - minAvailable
    let removed = 0
    old = old.map((rs) => {
      if (removed >= budget || replicas(rs) === 0) return rs
      const count = Math.min(replicas(rs), budget - removed)
      removed += count
      return this.scale(deployment, rs, replicas(rs) - count)
    })
  }

  private recreate(deployment: KObject, newRS: KObject, old: KObject[]) {
    const desired = num(spec(deployment).replicas, 1)
    let oldActive = false
    for (const rs of old) {
      if (replicas(rs) > 0) this.scale(deployment, rs, 0)
      if (num(status(rs).replicas) > 0) oldActive = true
    }
    if (old.some((rs) => replicas(rs) > 0)) oldActive = true
    const oldPods = old.some((rs) =>
      this.ctx.cluster.store.dependents(rs.metadata.uid ?? "").some((d) => d.resource === this.ctx.types.pods),
    )
    if (!oldActive && !oldPods) this.scale(deployment, newRS, desired)
  }

  /** Old ReplicaSets beyond revisionHistoryLimit go, oldest first, once they have no pods. */
  private cleanup(deployment: KObject, all: KObject[], newRS: KObject | undefined) {
    const limit = num(spec(deployment).revisionHistoryLimit, 10)
    const idle = all
      .filter(
        (rs) => rs !== newRS && replicas(rs) === 0 && num(status(rs).replicas) === 0 && !rs.metadata.deletionTimestamp,
      )
      .sort((a, b) => revisionOf(a) - revisionOf(b))
    const excess = idle.length - limit
    for (let i = 0; i < excess; i++) {
      const rs = idle[i]!
      this.ctx.cluster.delete(this.ctx.types.replicaSets, rs.metadata.namespace, rs.metadata.name ?? "", {})
    }
  }

  private syncStatus(
    deployment: KObject,
    all: KObject[],
    newRS: KObject | undefined,
    progress: { reason: string; message: string } | undefined,
  ) {
    const { clock, scheduler } = this.ctx
    const now = clock.now()
    const iso = clock.iso()
    const { desired, unavailable } = this.bounds(deployment)
    const sum = (f: (rs: KObject) => number) => all.reduce((n, rs) => n + f(rs), 0)
    const total = sum((rs) => num(status(rs).replicas))
    const updated = newRS ? num(status(newRS).replicas) : 0
    const ready = sum((rs) => num(status(rs).readyReplicas))
    const availableCount = sum((rs) => num(status(rs).availableReplicas))
    const old = status(deployment)
    let conditions = conditionsOf(old.conditions)

    conditions = setCondition(
      conditions,
      availableCount >= desired - unavailable
        ? {
            type: "Available",
            status: "True",
            reason: "MinimumReplicasAvailable",
            message: "Deployment has minimum availability.",
            lastUpdateTime: iso,
          }
        : {
            type: "Available",
            status: "False",
            reason: "MinimumReplicasUnavailable",
            message: "Deployment does not have minimum availability.",
            lastUpdateTime: iso,
          },
      iso,
    ).map((c) => (c.type === "Available" ? keepUpdateTime(c, conditions) : c))

    const rsName = newRS?.metadata.name ?? ""
    const complete =
      newRS !== undefined &&
      updated === desired &&
      num(spec(newRS).replicas) === desired &&
      total === desired &&
      availableCount === desired &&
      all.every((rs) => rs === newRS || num(status(rs).replicas) === 0)
    const deadline = spec(deployment).progressDeadlineSeconds
    const previous = conditions.find((c) => c.type === "Progressing")
    const oldReplicas = total - updated
    const prevOld = num(old.replicas) - num(old.updatedReplicas)
    const progressed =
      updated > num(old.updatedReplicas) ||
      ready > num(old.readyReplicas) ||
      availableCount > num(old.availableReplicas) ||
      oldReplicas < prevOld
    if (typeof deadline === "number" && spec(deployment).paused !== true) {
      if (complete) {
        conditions = setCondition(
          conditions,
          {
            type: "Progressing",
            status: "True",
            reason: "NewReplicaSetAvailable",
            message: `ReplicaSet "${rsName}" has successfully progressed.`,
            lastUpdateTime: iso,
          },
          iso,
        )
      } else if (progress) {
        conditions = setCondition(
          conditions,
          { type: "Progressing", status: "True", ...progress, lastUpdateTime: iso },
          iso,
        )
      } else if (progressed || previous === undefined || previous.reason === "NewReplicaSetAvailable") {
        conditions = setCondition(
          conditions,
          {
            type: "Progressing",
            status: "True",
            reason: "ReplicaSetUpdated",
            message: `ReplicaSet "${rsName}" is progressing.`,
            lastUpdateTime: iso,
          },
          iso,
        )
      } else {
        const since = parseTime(previous.lastUpdateTime) ?? now
        if (since + deadline * 1000 <= now) {
          if (previous.reason !== "ProgressDeadlineExceeded")
            conditions = setCondition(
              conditions,
              {
                type: "Progressing",
                status: "False",
                reason: "ProgressDeadlineExceeded",
                message: `ReplicaSet "${rsName}" has timed out progressing.`,
                lastUpdateTime: iso,
              },
              iso,
            )
        } else scheduler.requeueAt(this.name, nsKey(deployment), since + deadline * 1000)
      }
      const current = conditions.find((c) => c.type === "Progressing")
      if (current && current.reason !== "NewReplicaSetAvailable" && current.reason !== "ProgressDeadlineExceeded") {
        const since = parseTime(current.lastUpdateTime) ?? now
        scheduler.requeueAt(this.name, nsKey(deployment), since + deadline * 1000)
      }
    }

    const failure = newRS
      ? (list(status(newRS).conditions).find((c) => isObject(c) && c.type === "ReplicaFailure") as
          | JsonObject
          | undefined)
      : undefined
    if (failure && failure.status === "True") {
      conditions = setCondition(
        conditions,
        {
          type: "ReplicaFailure",
          status: "True",
          reason: str(failure.reason) ?? "FailedCreate",
          message: str(failure.message) ?? "",
          lastUpdateTime: iso,
        },
        iso,
      )
    } else conditions = conditions.filter((c) => c.type !== "ReplicaFailure")

    const next: JsonObject = {
      observedGeneration: deployment.metadata.generation ?? 1,
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: availableCount,
      unavailableReplicas: Math.max(desired - availableCount, 0),
      conditions: conditions,
    }
    for (const field of ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"])
      if (next[field] === 0) delete next[field]
    // A status write that changes only lastUpdateTime of a settled condition is not worth a new resourceVersion.
    const stable = (s: JsonObject) => ({
      ...s,
      conditions: list(s.conditions).map((c) =>
        isObject(c) && !(c.type === "Progressing" && c.reason === "ReplicaSetUpdated")
          ? { ...c, lastUpdateTime: null }
          : c,
      ),
    })
    if (deepEqual(stable(old), stable(next)) && !progress && !progressed) return
    writeStatus(this.ctx, this.ctx.types.deployments, deployment, next, controllerManager)
  }
}

const keepUpdateTime = (condition: Condition, previous: Condition[]): Condition => {
  const before = previous.find((c) => c.type === condition.type)
  if (before && before.status === condition.status && before.reason === condition.reason)
    return { ...condition, lastUpdateTime: before.lastUpdateTime ?? condition.lastUpdateTime ?? "" }
  return condition
}
