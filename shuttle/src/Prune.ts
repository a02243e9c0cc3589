import { KubeObject, Labels, Order } from "@starform/manifests"
import { Effect } from "effect"
import { Cache } from "./Cache.ts"
import { Cluster } from "./Cluster.ts"

/**
 * The prune step: deletes, in reverse apply order, objects an inventory lists that are no longer desired. An
 * object is deleted only if it still carries `app.kubernetes.io/managed-by=shuttle` and, when `serviceId` is
 * given, that service's label: whatever else sits in the namespace, or was relabelled since, is left alone.
 * Volumes are never pruned here: they belong to the environment and outlive the services mounting them.
 */
export const stale = Effect.fn("Prune.stale")(function* (
  refs: ReadonlyArray<KubeObject.ObjectRef>,
  serviceId: string | null,
) {
  const cluster = yield* Cluster
  const cache = yield* Cache
  let deleted = 0
  for (const ref of Order.forPrune(refs)) {
    if (ref.kind === "PersistentVolumeClaim") continue
    const live = cache.get(ref)
    if (live === null) continue
    const labels = live.metadata.labels ?? {}
    if (labels[Labels.managedBy] !== Labels.manager) continue
    if (serviceId !== null && labels[Labels.serviceId] !== serviceId) continue
    yield* cluster.remove(ref)
    cache.forget(ref)
    deleted++
  }
  return deleted
})

/** Keys in `listed` that `desired` no longer has. */
export const leftover = (
  listed: ReadonlyArray<string>,
  desired: ReadonlySet<string>,
): ReadonlyArray<KubeObject.ObjectRef> => listed.filter((key) => !desired.has(key)).map(KubeObject.refOfKey)
