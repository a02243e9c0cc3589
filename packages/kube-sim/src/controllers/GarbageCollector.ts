import type { StoreEvent } from "../apiserver/Store.ts"
import type { KObject } from "../Objects.ts"
import { type Context, controllerManager } from "./Context.ts"
import type { Controller } from "./Runner.ts"

/**
 * The garbage collector, keyed by owner uid: dependents of a vanished owner are deleted (background), an owner
 * deleted with `Orphan` lets go of its dependents first, one deleted with `Foreground` waits until they are gone.
 */
export class GarbageCollector implements Controller {
  readonly name = "garbage-collector"
  readonly triggers: Controller["triggers"]

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    const keys = (event: StoreEvent): string[] => {
      const out = new Set<string>()
      const uid = event.object.metadata.uid ?? ""
      if (event.type === "DELETED") out.add(uid)
      const finalizers = event.object.metadata.finalizers ?? []
      if (
        event.object.metadata.deletionTimestamp &&
        (finalizers.includes("orphan") || finalizers.includes("foregroundDeletion"))
      )
        out.add(uid)
      for (const obj of [event.object, event.old])
        for (const ref of obj?.metadata.ownerReferences ?? []) out.add(ref.uid)
      return [...out]
    }
    this.triggers = ctx.cluster.registry.all().map((resource) => ({ resource, keys }))
  }

  sync(uid: string): void {
    const { cluster } = this.ctx
    const store = cluster.store
    const owner = store.byUidLookup(uid)
    const dependents = store.dependents(uid)
    if (!owner) {
      for (const { resource, object } of dependents) {
        const refs = object.metadata.ownerReferences ?? []
        const live = refs.filter((ref) => ref.uid !== uid && store.byUidLookup(ref.uid))
        if (live.length === 0) {
          if (!object.metadata.deletionTimestamp)
            cluster.delete(resource, object.metadata.namespace, object.metadata.name ?? "", {
              propagationPolicy: "Background",
            })
        } else {
          this.dropOwner(object, uid)
        }
      }
      return
    }
    if (!owner.metadata.deletionTimestamp) return
    const finalizers = owner.metadata.finalizers ?? []
    const ownerType = store.resourceOfUid(uid)
    if (!ownerType) return
    if (finalizers.includes("orphan")) {
      for (const { object } of dependents) this.dropOwner(object, uid)
      this.removeFinalizer(owner, "orphan")
      return
    }
    if (finalizers.includes("foregroundDeletion")) {
      const blocking = dependents.filter(({ object }) =>
        object.metadata.ownerReferences?.some((ref) => ref.uid === uid && ref.blockOwnerDeletion === true),
      )
      for (const { resource, object } of dependents) {
        if (!object.metadata.deletionTimestamp)
          cluster.delete(resource, object.metadata.namespace, object.metadata.name ?? "", {
            propagationPolicy: "Foreground",
          })
      }
      if (blocking.length === 0 || blocking.every(({ object }) => !store.byUidLookup(object.metadata.uid ?? ""))) {
        this.removeFinalizer(owner, "foregroundDeletion")
      }
    }
  }

  private dropOwner(object: KObject, uid: string) {
    const resource = this.ctx.cluster.store.resourceOfUid(object.metadata.uid ?? "")
    if (!resource) return
    const current = this.ctx.cluster.store.byUidLookup(object.metadata.uid ?? "")
    if (!current) return
    const refs = (current.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== uid)
    const metadata = { ...current.metadata, ownerReferences: refs }
    if (refs.length === 0) delete (metadata as { ownerReferences?: unknown }).ownerReferences
    this.ctx.cluster.update(
      resource,
      current.metadata.namespace,
      current.metadata.name ?? "",
      { ...current, metadata },
      {
        manager: controllerManager,
      },
    )
  }

  private removeFinalizer(owner: KObject, finalizer: string) {
    const resource = this.ctx.cluster.store.resourceOfUid(owner.metadata.uid ?? "")
    if (!resource) return
    const finalizers = (owner.metadata.finalizers ?? []).filter((f) => f !== finalizer)
    this.ctx.cluster.update(
      resource,
      owner.metadata.namespace,
      owner.metadata.name ?? "",
      { ...owner, metadata: { ...owner.metadata, finalizers } },
      { manager: controllerManager },
    )
  }
}
