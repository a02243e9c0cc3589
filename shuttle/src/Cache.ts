import type { KubeError } from "@starform/kube"
import { type KubeObject, Labels } from "@starform/manifests"
import { Context, Deferred, Effect, Layer, Stream } from "effect"
import * as Backoff from "./Backoff.ts"
import { Cluster, type Kind } from "./Cluster.ts"
import { CurrentSettings } from "./Settings.ts"

/**
 * Shuttle's view of the cluster, kept by list + watch (the sample-controller's informer): every kind Shuttle writes,
 * plus the pods that tell whether a release runs, limited to what carries `app.kubernetes.io/managed-by=shuttle`.
 * Passes read from here, so a pass that finds nothing drifted sends no request at all. A dropped watch is
 * resumed from its last version; a version too old (410) lists again; any other error backs off and lists again.
 */

/** The kinds watched: those Shuttle writes, then Pods. */
export const kinds: ReadonlyArray<Kind> = [
  { apiVersion: "v1", kind: "Namespace" },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" },
  { apiVersion: "v1", kind: "Secret" },
  { apiVersion: "v1", kind: "ConfigMap" },
  { apiVersion: "v1", kind: "PersistentVolumeClaim" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "batch/v1", kind: "CronJob" },
  { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute" },
  { apiVersion: "v1", kind: "Pod" },
]

interface Entry {
  readonly object: KubeObject.KubeObject
  readonly version: bigint
}

const versionOf = (object: KubeObject.KubeObject): bigint => {
  const text = object.metadata.resourceVersion ?? "0"
  return /^\d+$/.test(text) ? BigInt(text) : 0n
}

/** The objects of one kind, by namespace and name. */
class Store {
  readonly byNamespace = new Map<string, Map<string, Entry>>()
  get(namespace: string, name: string): KubeObject.KubeObject | null {
    return this.byNamespace.get(namespace)?.get(name)?.object ?? null
  }
  /** Keeps the newer of what is held and `object`; whether it changed. */
  put(object: KubeObject.KubeObject): boolean {
    const namespace = object.metadata.namespace ?? ""
    let names = this.byNamespace.get(namespace)
    if (names === undefined) {
      names = new Map()
      this.byNamespace.set(namespace, names)
    }
    const version = versionOf(object)
    const held = names.get(object.metadata.name)
    if (held !== undefined && held.version > version) return false
    names.set(object.metadata.name, { object, version })
    return true
  }
  remove(namespace: string, name: string): boolean {
    return this.byNamespace.get(namespace)?.delete(name) ?? false
  }
  all(): ReadonlyArray<KubeObject.KubeObject> {
    return [...this.byNamespace.values()].flatMap((names) => [...names.values()].map((entry) => entry.object))
  }
}

export class Cache extends Context.Service<
  Cache,
  {
    /** Waits until every kind has been listed once. */
    readonly synced: Effect.Effect<void>
    /** Whether every kind has been listed once. */
    readonly isSynced: () => boolean
    readonly get: (ref: KubeObject.ObjectRef) => KubeObject.KubeObject | null
    /** The objects of `kind` in `namespace` carrying every label of `labels`. */
    readonly select: (
      kind: string,
      namespace: string,
      labels: Readonly<Record<string, string>>,
    ) => ReadonlyArray<KubeObject.KubeObject>
    /** Records what a write returned, so the next read sees it before its watch event arrives. */
    readonly observe: (object: KubeObject.KubeObject) => void
    readonly forget: (ref: KubeObject.ObjectRef) => void
    /**
     * A signal that completes at the next change to an object of service `serviceId` (by its
     * `starform.io/service-id` label). Take it before reading, then wait on it: no change is missed in between.
     */
    readonly changed: (serviceId: string) => Effect.Effect<void>
  }
>()("starform/shuttle/Cache") {
  static readonly layer = Layer.effect(
    Cache,
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const settings = yield* CurrentSettings
      const stores = new Map<string, Store>(kinds.map((kind) => [kind.kind, new Store()]))
      const store = (kind: string) => stores.get(kind) ?? new Store()
      const signals = new Map<string, Deferred.Deferred<void>>()
      const signal = (serviceId: string) => {
        let deferred = signals.get(serviceId)
        if (deferred === undefined) {
          deferred = Deferred.makeUnsafe<void>()
          signals.set(serviceId, deferred)
        }
        return deferred
      }
      const notify = (object: KubeObject.KubeObject) => {
        const serviceId = object.metadata.labels?.[Labels.serviceId]
        if (serviceId === undefined) return
        const deferred = signals.get(serviceId)
        if (deferred === undefined) return
        signals.delete(serviceId)
        Deferred.doneUnsafe(deferred, Effect.void)
      }

      const syncedKinds = new Set<string>()
      const allSynced = yield* Deferred.make<void>()

      /** One kind's list-then-watch loop, forever. */
      const follow = (kind: Kind) => {
        const own = store(kind.kind)
        const relist = Effect.gen(function* () {
          const listed = yield* cluster.list(kind, Labels.managedSelector)
          const seen = new Set<string>()
          for (const object of listed.items) {
            seen.add(`${object.metadata.namespace ?? ""}/${object.metadata.name}`)
            if (own.put(object)) notify(object)
          }
          for (const object of own.all()) {
            if (!seen.has(`${object.metadata.namespace ?? ""}/${object.metadata.name}`)) {
              own.remove(object.metadata.namespace ?? "", object.metadata.name)
              notify(object)
            }
          }
          syncedKinds.add(kind.kind)
          if (syncedKinds.size === kinds.length) yield* Deferred.succeed(allSynced, undefined)
          return listed.resourceVersion
        })
        const watchFrom = (start: string): Effect.Effect<never, KubeError> =>
          Effect.suspend(() => {
            let version = start
            return cluster.watch(kind, Labels.managedSelector, version).pipe(
              Stream.runForEach((event) =>
                Effect.sync(() => {
                  if (event.type === "BOOKMARK") {
                    version = event.resourceVersion
                    return
                  }
                  const object = event.object
                  version = object.metadata.resourceVersion ?? version
                  const namespace = object.metadata.namespace ?? ""
                  const changed =
                    event.type === "DELETED" ? own.remove(namespace, object.metadata.name) : own.put(object)
                  if (changed) notify(object)
                }),
              ),
              // The server closed the watch: resume where it ended.
              Effect.flatMap(() => watchFrom(version)),
            )
          })
        return relist.pipe(
          Effect.flatMap(watchFrom),
          Effect.tapError((error) =>
            error._tag === "KubeGone"
              ? Effect.void
              : Effect.logWarning(`watching ${kind.kind} failed, listing again: ${error.message}`),
          ),
          Effect.retry(Backoff.schedule("50 millis", settings.retryCapMs)),
        )
      }
      yield* Effect.forEach(kinds, (kind) => Effect.forkScoped(follow(kind)), { discard: true })

      return Cache.of({
        synced: Deferred.await(allSynced),
        isSynced: () => syncedKinds.size === kinds.length,
        get: (ref) => store(ref.kind).get(ref.namespace, ref.name),
        select: (kind, namespace, labels) => {
          const names = store(kind).byNamespace.get(namespace)
          if (names === undefined) return []
          const wanted = Object.entries(labels)
          const found: Array<KubeObject.KubeObject> = []
          for (const { object } of names.values()) {
            const own = object.metadata.labels ?? {}
            if (wanted.every(([key, value]) => own[key] === value)) found.push(object)
          }
          return found
        },
        observe: (object) => {
          if (store(object.kind).put(object)) notify(object)
        },
        forget: (ref) => {
          const held = store(ref.kind).get(ref.namespace, ref.name)
          if (store(ref.kind).remove(ref.namespace, ref.name) && held !== null) notify(held)
        },
        changed: (serviceId) => Deferred.await(signal(serviceId)),
      })
    }),
  )
}
