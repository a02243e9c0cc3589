import { clone, deepEqual, isObject, type Json, type JsonObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import type { Cluster, DeleteOptions } from "./Cluster.ts"
import type { ResourceType } from "./Registry.ts"
import { ApiError, conflict } from "./Status.ts"

/** What the Job storage says when a Job is deleted with no propagation policy (batch/v1 orphans its pods). */
export const jobOrphansPods =
  "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"

/**
 * A delete: preconditions checked, the propagation policy turned into finalizers, then removed at once or marked
 * with a deletionTimestamp for the finalizers, the kubelet's grace period or the namespace controller to finish.
 */
export const deleteObject = (
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  options: DeleteOptions,
): { readonly object: KObject; readonly deleted: boolean } => {
  const old = cluster.get(type, namespace, name)
  if (type.kind === "Namespace" && ["default", "kube-system", "kube-public"].includes(name))
    throw new ApiError(403, "Forbidden", `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
      name,
      kind: "namespaces",
    })
  const pre = options.preconditions
  if (pre?.uid && pre.uid !== old.metadata.uid)
    throw conflict(
      type,
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
    )
  if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
    throw conflict(
      type,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
    )
  // batch/v1 Jobs still default to orphaning their pods when the caller names no policy, and say so.
  if (type.kind === "Job" && options.propagationPolicy === undefined) options.warnings?.push(jobOrphansPods)
  const policy = options.propagationPolicy ?? (type.kind === "Job" ? "Orphan" : "Background")
  const finalizers = [...(old.metadata.finalizers ?? [])]
  if (
    policy === "Orphan" &&
    !finalizers.includes("orphan") &&
    cluster.store.dependents(old.metadata.uid ?? "").length > 0
  )
    finalizers.push("orphan")
  if (policy === "Foreground" && !finalizers.includes("foregroundDeletion")) finalizers.push("foregroundDeletion")
  const graceful = gracePeriod(type, old, options)
  if (finalizers.length === 0 && graceful === 0 && !pendingNamespace(old)) {
    if (options.dryRun) return { object: old, deleted: true }
    return { object: cluster.store.remove(type, old), deleted: true }
  }
  if (old.metadata.deletionTimestamp && deepEqual(finalizers, old.metadata.finalizers ?? [])) {
    return { object: old, deleted: false }
  }
  const next: KObject = clone(old)
  next.metadata.finalizers = finalizers
  if (finalizers.length === 0) delete next.metadata.finalizers
  if (!next.metadata.deletionTimestamp) {
    next.metadata.deletionTimestamp = new Date(cluster.clock.now() + graceful * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z")
    next.metadata.deletionGracePeriodSeconds = graceful
    if (type.generation) next.metadata.generation = (next.metadata.generation ?? 1) + 1
  }
  if (type.kind === "Namespace")
    next.status = { ...(isObject(next.status as Json) ? (next.status as JsonObject) : {}), phase: "Terminating" }
  if (options.dryRun) return { object: next, deleted: false }
  return { object: cluster.store.put(type, next), deleted: false }
}

const gracePeriod = (type: ResourceType, obj: KObject, options: DeleteOptions): number => {
  if (type.kind !== "Pod") return 0
  const spec = isObject(obj.spec as Json) ? (obj.spec as JsonObject) : {}
  // A pod no kubelet ever ran is removed at once.
  if (!spec.nodeName) return 0
  const phase = isObject(obj.status as Json) ? (obj.status as JsonObject).phase : undefined
  if (phase === "Succeeded" || phase === "Failed") return 0
  const requested = options.gracePeriodSeconds
  if (requested !== undefined) return requested
  return typeof spec.terminationGracePeriodSeconds === "number" ? spec.terminationGracePeriodSeconds : 30
}

/** A namespace whose finalizers (the namespace controller's) have not yet emptied it. */
export const pendingNamespace = (obj: KObject): boolean => {
  if (obj.kind !== "Namespace") return false
  const spec = isObject(obj.spec as Json) ? (obj.spec as JsonObject) : {}
  return Array.isArray(spec.finalizers) && spec.finalizers.length > 0
}
