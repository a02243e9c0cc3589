import { KubeObject, Order } from "@starform/manifests"
import { Effect } from "effect"
import { Cache } from "./Cache.ts"
import { Cluster } from "./Cluster.ts"
import * as Diff from "./Diff.ts"

/**
 * The apply step: server-side apply (field manager `starform-shuttle`) of the objects that drifted, in apply
 * order, each recorded in the cache as the server returned it. Returns how many were written.
 */
export const drifted = Effect.fn("Apply.drifted")(function* (objects: ReadonlyArray<KubeObject.KubeObject>) {
  const cluster = yield* Cluster
  const cache = yield* Cache
  let written = 0
  for (const object of Order.forApply(objects)) {
    const stamped = Diff.stamp(object)
    if (!Diff.drifted(stamped, cache.get(KubeObject.refOf(stamped)))) continue
    cache.observe(yield* cluster.apply(stamped))
    written++
  }
  return written
})

/**
 * Creates `object` only if it does not exist, never changing it otherwise: how a release that is still serving is
 * kept while a newer one rolls out (its pods must not restart under live traffic).
 */
export const ifMissing = Effect.fn("Apply.ifMissing")(function* (object: KubeObject.KubeObject) {
  const cluster = yield* Cluster
  const cache = yield* Cache
  if (cache.get(KubeObject.refOf(object)) !== null) return 0
  cache.observe(yield* cluster.apply(Diff.stamp(object)))
  return 1
})
