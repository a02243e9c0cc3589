import type { KubeError } from "@starform/kube"
import { KubeObject } from "@starform/manifests"
import { Context, Effect, Layer, Semaphore } from "effect"
import * as Apply from "./Apply.ts"
import { Cache } from "./Cache.ts"
import type { Cluster } from "./Cluster.ts"
import * as Inventory from "./Inventory.ts"

/**
 * The inventories in the cluster, read from the cache and written through apply (so an unchanged inventory is
 * not written). Updates to one inventory are serialized: service fibers of one namespace share it.
 */
export class Inventories extends Context.Service<
  Inventories,
  {
    readonly read: (namespace: string, name: string) => Inventory.Entries
    /** Sets `owner`'s objects (an empty list drops the owner); writes the ConfigMap only if that changes it. */
    readonly record: (
      where: { readonly namespace: string; readonly name: string; readonly labels: Readonly<Record<string, string>> },
      owner: string,
      keys: Iterable<string>,
    ) => Effect.Effect<void, KubeError, Cluster>
    /** Adds objects to several owners at once (one write at most): what is about to be written for them. */
    readonly extend: (
      where: { readonly namespace: string; readonly name: string; readonly labels: Readonly<Record<string, string>> },
      additions: ReadonlyMap<string, Iterable<string>>,
    ) => Effect.Effect<void, KubeError, Cluster>
  }
>()("starform/shuttle/Inventories") {
  static readonly layer = Layer.effect(
    Inventories,
    Effect.gen(function* () {
      const cache = yield* Cache
      const locks = new Map<string, Semaphore.Semaphore>()
      const lock = (key: string) => {
        let semaphore = locks.get(key)
        if (semaphore === undefined) {
          semaphore = Semaphore.makeUnsafe(1)
          locks.set(key, semaphore)
        }
        return semaphore
      }
      // Parsed once per version of the ConfigMap the cache holds.
      const parsed = new WeakMap<object, Inventory.Entries>()
      const read = (namespace: string, name: string): Inventory.Entries => {
        const configMap = cache.get({ apiVersion: "v1", kind: "ConfigMap", namespace, name })
        if (configMap === null) return Inventory.parse(null)
        let entries = parsed.get(configMap)
        if (entries === undefined) {
          entries = Inventory.parse(configMap as { data?: Record<string, string> })
          parsed.set(configMap, entries)
        }
        return entries
      }
      const update = (
        where: { readonly namespace: string; readonly name: string; readonly labels: Readonly<Record<string, string>> },
        change: (held: Inventory.Entries) => Inventory.Entries,
      ) =>
        lock(`${where.namespace}/${where.name}`).withPermits(1)(
          Effect.gen(function* () {
            const held = read(where.namespace, where.name)
            const next = change(held)
            if (Inventory.same(held, next)) return
            yield* Apply.drifted([Inventory.render(where.namespace, where.name, where.labels, next)])
          }).pipe(Effect.provideService(Cache, cache)),
        )
      return Inventories.of({
        read,
        record: (where, owner, keys) => update(where, (held) => Inventory.withOwner(held, owner, keys)),
        extend: (where, additions) =>
          update(where, (held) => {
            let next = held
            for (const [owner, keys] of additions)
              next = Inventory.withOwner(next, owner, [...(held.get(owner) ?? []), ...keys])
            return next
          }),
      })
    }),
  )
}

export const keysOf = (objects: ReadonlyArray<KubeObject.KubeObject>): ReadonlyArray<string> =>
  objects.map((object) => KubeObject.keyOf(KubeObject.refOf(object)))
