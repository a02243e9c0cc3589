import { deepEqual, isObject, type Json, type JsonObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import { type Context, controllerManager, num, scaled, spec, status, writeObject } from "./Context.ts"

export const replicas = (rs: KObject) => num(spec(rs).replicas)
export const available = (rs: KObject) => num(status(rs).availableReplicas)

export const strategyValue = (deployment: KObject, field: "maxSurge" | "maxUnavailable"): Json | undefined => {
  const strategy = isObject(spec(deployment).strategy) ? (spec(deployment).strategy as JsonObject) : {}
  const rolling = isObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {}
  return rolling[field]
}

/** How far a rollout may go: the desired count, maxSurge and maxUnavailable as counts. */
export const bounds = (deployment: KObject): { desired: number; surge: number; unavailable: number } => {
  const desired = num(spec(deployment).replicas, 1)
  const surge = scaled(strategyValue(deployment, "maxSurge") ?? "25%", desired, true)
  let unavailable = scaled(strategyValue(deployment, "maxUnavailable") ?? "25%", desired, false)
  if (surge === 0 && unavailable === 0) unavailable = 1
  return { desired, surge, unavailable: Math.min(unavailable, desired) }
}

/** Sizes a ReplicaSet, recording the Deployment's replicas and the most it may have on the way. */
export const scale = (ctx: Context, deployment: KObject, rs: KObject, count: number, annotate = false): KObject => {
  const desired = num(spec(deployment).replicas, 1)
  const annotations = {
    ...rs.metadata.annotations,
    "deployment.kubernetes.io/desired-replicas": String(desired),
    "deployment.kubernetes.io/max-replicas": String(desired + bounds(deployment).surge),
  }
  if (replicas(rs) === count && (!annotate || deepEqual(annotations, rs.metadata.annotations))) return rs
  return writeObject(
    ctx,
    ctx.types.replicaSets,
    rs,
    { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...spec(rs), replicas: count } },
    controllerManager,
  )
}

/** Some active ReplicaSet was sized for another replica count than the Deployment now asks for. */
export const isScalingEvent = (deployment: KObject, all: KObject[]): boolean => {
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
export const scaleProportionally = (
  ctx: Context,
  deployment: KObject,
  newRS: KObject,
  oldSets: KObject[],
  rollingUpdate: boolean,
): boolean => {
  const desired = num(spec(deployment).replicas, 1)
  const active = [newRS, ...oldSets].filter((rs) => replicas(rs) > 0)
  if (active.length <= 1) {
    scale(ctx, deployment, active[0] ?? newRS, desired, true)
    return true
  }
  const saturated =
    replicas(newRS) === desired &&
    newRS.metadata.annotations?.["deployment.kubernetes.io/desired-replicas"] === String(desired) &&
    available(newRS) === desired
  if (saturated) {
    for (const rs of oldSets) if (replicas(rs) > 0) scale(ctx, deployment, rs, 0, true)
    return true
  }
  if (!rollingUpdate) return false
  const { surge } = bounds(deployment)
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
    scale(ctx, deployment, rs, size, true)
  })
  return true
}

/** One step of a RollingUpdate: the new ReplicaSet up within maxSurge, old ones down within maxUnavailable. */
export const rolling = (ctx: Context, deployment: KObject, newRS: KObject, oldSets: KObject[]) => {
  const { desired, surge, unavailable } = bounds(deployment)
  let current = newRS
  let old = [...oldSets]
  const total = () => replicas(current) + old.reduce((n, rs) => n + replicas(rs), 0)
  // Scale the new ReplicaSet up as far as maxSurge allows.
  if (replicas(current) > desired) current = scale(ctx, deployment, current, desired)
  else if (replicas(current) < desired) {
    const room = desired + surge - total()
    if (room > 0)
      current = scale(ctx, deployment, current, replicas(current) + Math.min(room, desired - replicas(current)))
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
    return scale(ctx, deployment, rs, replicas(rs) - count)
  })
  const availableCount = available(current) + old.reduce((n, rs) => n + Math.min(available(rs), replicas(rs)), 0)
  if (availableCount <= minAvailable) return
  const budget = availableCount - minAvailable
  let removed = 0
  old = old.map((rs) => {
    if (removed >= budget || replicas(rs) === 0) return rs
    const count = Math.min(replicas(rs), budget - removed)
    removed += count
    return scale(ctx, deployment, rs, replicas(rs) - count)
  })
}

/** Recreate: old ReplicaSets to zero, and the new one up only once their pods are gone. */
export const recreate = (ctx: Context, deployment: KObject, newRS: KObject, old: KObject[]) => {
  const desired = num(spec(deployment).replicas, 1)
  let oldActive = false
  for (const rs of old) {
    if (replicas(rs) > 0) scale(ctx, deployment, rs, 0)
    if (num(status(rs).replicas) > 0) oldActive = true
  }
  if (old.some((rs) => replicas(rs) > 0)) oldActive = true
  const oldPods = old.some((rs) =>
    ctx.cluster.store.dependents(rs.metadata.uid ?? "").some((d) => d.resource === ctx.types.pods),
  )
  if (!oldActive && !oldPods) scale(ctx, deployment, newRS, desired)
}
