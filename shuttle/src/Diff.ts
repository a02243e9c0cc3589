import { createHash } from "node:crypto"
import { DesiredState } from "@starform/domain"
import type { KubeObject } from "@starform/manifests"

/**
 * The diff step: does a live object need writing? Shuttle applies only objects that drifted, so a pass over an
 * unchanged cluster writes nothing.
 *
 * An object drifted when it is missing, when what Shuttle last applied differs from what it would apply now (the
 * `starform.io/applied` annotation: a digest of the rendered object, which also catches fields Shuttle stopped
 * sending), or when a field Shuttle sets has another value in the cluster (someone edited it). Fields the API
 * server or other controllers add (defaults, status, other managers' fields) are not drift.
 */

export const appliedAnnotation = "starform.io/applied"

/** The digest of a rendered object (before the annotation is added). */
export const digest = (object: KubeObject.KubeObject): string =>
  createHash("sha256").update(DesiredState.serialize(object)).digest("hex").slice(0, 20)

/** `object` with its digest annotation: what Shuttle applies. An object stamped already is returned as it is. */
export const stamp = <O extends KubeObject.KubeObject>(object: O): O =>
  object.metadata.annotations?.[appliedAnnotation] !== undefined
    ? object
    : {
        ...object,
        metadata: {
          ...object.metadata,
          annotations: { ...object.metadata.annotations, [appliedAnnotation]: digest(object) },
        },
      }

const isEmpty = (value: unknown): boolean =>
  value === undefined ||
  value === null ||
  value === "" ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && !Array.isArray(value) && Object.keys(value as object).length === 0)

/** Whether every field of `desired` has the same value in `live`; empty values match absent ones. */
export const covers = (live: unknown, desired: unknown): boolean => {
  if (isEmpty(desired)) return isEmpty(live) || typeof live === typeof desired
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((element, index) => covers(live[index], element))
    )
  }
  if (typeof desired === "object") {
    if (typeof live !== "object" || live === null || Array.isArray(live)) return false
    const record = live as Record<string, unknown>
    return Object.entries(desired as Record<string, unknown>).every(([key, value]) => covers(record[key], value))
  }
  return live === desired
}

/** Whether `live` (null: absent) must be written to become `stamped` (an object from `stamp`). */
export const drifted = (stamped: KubeObject.KubeObject, live: KubeObject.KubeObject | null): boolean => {
  if (live === null) return true
  const liveDigest = live.metadata.annotations?.[appliedAnnotation]
  const wantedDigest = stamped.metadata.annotations?.[appliedAnnotation]
  if (liveDigest !== wantedDigest) return true
  return !covers(live, stamped)
}
