import { deepEqual, type JsonObject } from "../Json.ts"
import type { KObject, ObjectMeta } from "../Objects.ts"
import type { ResourceType } from "./Registry.ts"

/**
 * What each kind's registry strategy decides on an update (kubernetes pkg/registry/<group>/<kind>/strategy.go):
 * which changes move `metadata.generation`, and what a write to `/status` may change besides the status.
 */

/** Metadata members a client may write; the rest (uid, resourceVersion, generation…) are the server's. */
export const writableMetadata = ["labels", "annotations", "ownerReferences", "finalizers"] as const
export type WritableMetadata = (typeof writableMetadata)[number]

/** Everything outside metadata and status: what "the spec" means for generation. */
const specOf = (obj: KObject): JsonObject => {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj
  return rest as JsonObject
}

/**
 * Whether an update of the main resource moves `metadata.generation`: any change to the spec does; for a
 * Deployment a change of its annotations does too, because the Deployment controller copies them onto its
 * ReplicaSets (deploymentStrategy.PrepareForUpdate). Labels alone never do. A status write never does.
 */
export const bumpsGeneration = (type: ResourceType, old: KObject, next: KObject): boolean => {
  if (!type.generation) return false
  if (!deepEqual(specOf(old), specOf(next))) return true
  return type.kind === "Deployment" && !deepEqual(old.metadata.annotations ?? {}, next.metadata.annotations ?? {})
}

/**
 * The metadata a `/status` write may change. A custom resource's status write keeps everything but the status
 * from the stored object (the CRD status strategy copies the old object over); a built-in kind's keeps the spec and
 * lets labels, annotations, owners and finalizers through, less what its status strategy resets: a Deployment's
 * labels, a Pod's ownerReferences (old kubelets corrupted them).
 */
export const statusMetadata = (type: ResourceType): ReadonlyArray<WritableMetadata> => {
  if (type.custom) return []
  if (type.kind === "Deployment") return ["annotations", "ownerReferences", "finalizers"]
  if (type.kind === "Pod") return ["labels", "annotations", "finalizers"]
  return writableMetadata
}

/** `base` with the members of `fields` taken from `from` (absent there: removed). */
export const withMetadata = (
  base: ObjectMeta,
  from: ObjectMeta,
  fields: ReadonlyArray<WritableMetadata>,
): ObjectMeta => {
  const out: ObjectMeta = { ...base }
  for (const field of fields) {
    const value = from[field]
    if (value === undefined || value === null) delete out[field]
    else (out as Record<string, unknown>)[field] = value
  }
  return out
}
