import type { KObject } from "../Objects.ts"
import { type ResourceType, typeId } from "./Registry.ts"
import { type FieldRequirement, matches, matchesFields, type Selector } from "./Selectors.ts"
import { tooOld } from "./Status.ts"

export type EventType = "ADDED" | "MODIFIED" | "DELETED"

/** One committed change. Objects are never mutated once stored, so events share them. */
export interface StoreEvent {
  readonly type: EventType
  readonly resource: ResourceType
  readonly object: KObject
  readonly old: KObject | undefined
  readonly resourceVersion: number
}

export interface WatchFilter {
  readonly namespace?: string | undefined
  readonly labels: Selector
  readonly fields: ReadonlyArray<FieldRequirement>
}

export interface Watcher {
  readonly resource: ResourceType
  readonly filter: WatchFilter
  readonly send: (type: EventType, object: KObject) => void
}

interface History {
  events: StoreEvent[]
  /** The newest resourceVersion no longer in `events`: a watch from before it is 410 Gone. */
  droppedThrough: number
}

export const matchesFilter = (filter: WatchFilter, obj: KObject): boolean =>
  (filter.namespace === undefined || obj.metadata.namespace === filter.namespace) &&
  matches(filter.labels, obj.metadata.labels) &&
  matchesFields(filter.fields, obj)

/**
 * The cluster's storage: objects per resource, one global monotonic resourceVersion, a bounded history per resource
 * for watches to resume from, and the indexes controllers need (by uid, by owner).
 */
export class Store {
  private rv = 1
  private readonly objects = new Map<string, Map<string, Map<string, KObject>>>()
  private readonly history = new Map<string, History>()
  private readonly watchers = new Map<string, Set<Watcher>>()
  private readonly listeners = new Set<(event: StoreEvent) => void>()
  private readonly byUid = new Map<string, { resource: ResourceType; namespace: string | undefined; name: string }>()
  private readonly byOwner = new Map<string, Set<string>>()
  private compactedThrough = 0
  private writes = 0

  private readonly historySize: number
  constructor(historySize: number) {
    this.historySize = historySize
  }

  get resourceVersion(): number {
    return this.rv
  }

  get writeCount(): number {
    return this.writes
  }

  // Per resource, per namespace ("" when cluster-scoped), by name.
  private table(resource: ResourceType): Map<string, Map<string, KObject>> {
    const id = typeId(resource)
    let table = this.objects.get(id)
    if (!table) {
      table = new Map()
      this.objects.set(id, table)
    }
    return table
  }

  private bucket(
    resource: ResourceType,
    namespace: string | undefined,
    create: boolean,
  ): Map<string, KObject> | undefined {
    const table = this.table(resource)
    const ns = resource.namespaced ? (namespace ?? "") : ""
    let bucket = table.get(ns)
    if (!bucket && create) {
      bucket = new Map()
      table.set(ns, bucket)
    }
    return bucket
  }

  get(resource: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    return this.bucket(resource, namespace, false)?.get(name)
  }

  list(resource: ResourceType, namespace?: string): KObject[] {
    if (namespace !== undefined && resource.namespaced)
      return [...(this.bucket(resource, namespace, false)?.values() ?? [])]
    const out: KObject[] = []
    for (const bucket of this.table(resource).values()) for (const obj of bucket.values()) out.push(obj)
    return out
  }

  /**
   * The objects of `resource` as they were at resourceVersion `at`: the current ones with every later change of the
   * history undone, as etcd serves a read at a past revision. Throws 410 Gone once the history no longer reaches back.
   */
  listAt(resource: ResourceType, namespace: string | undefined, at: number): KObject[] {
    const later = this.eventsSince(resource, at)
    if (later.length === 0) return this.list(resource, namespace)
    const key = (obj: KObject) => `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`
    const state = new Map(this.list(resource, namespace).map((obj) => [key(obj), obj]))
    const scoped = namespace !== undefined && resource.namespaced
    for (let i = later.length - 1; i >= 0; i--) {
      const event = later[i]!
      if (scoped && event.object.metadata.namespace !== namespace) continue
      if (event.type === "ADDED") state.delete(key(event.object))
      else if (event.old !== undefined) state.set(key(event.old), event.old)
    }
    return [...state.values()]
  }

  count(resource: ResourceType): number {
    let n = 0
    for (const bucket of this.table(resource).values()) n += bucket.size
    return n
  }

  byUidLookup(uid: string): KObject | undefined {
    const ref = this.byUid.get(uid)
    return ref ? this.get(ref.resource, ref.namespace, ref.name) : undefined
  }

  resourceOfUid(uid: string): ResourceType | undefined {
    return this.byUid.get(uid)?.resource
  }

  /** Objects whose ownerReferences name `uid`. */
  dependents(uid: string): Array<{ resource: ResourceType; object: KObject }> {
    const out: Array<{ resource: ResourceType; object: KObject }> = []
    for (const depUid of this.byOwner.get(uid) ?? []) {
      const ref = this.byUid.get(depUid)
      if (!ref) continue
      const object = this.get(ref.resource, ref.namespace, ref.name)
      if (object) out.push({ resource: ref.resource, object })
    }
    return out
  }

  /** Every uid that some object names as its owner. */
  ownerUids(): IterableIterator<string> {
    return this.byOwner.keys()
  }

  /** Writes a new version of `object` (given without a resourceVersion), returning it as stored. */
  put(resource: ResourceType, object: KObject): KObject {
    const bucket = this.bucket(resource, object.metadata.namespace, true)!
    const name = object.metadata.name ?? ""
    const old = bucket.get(name)
    this.rv++
    const stored: KObject = { ...object, metadata: { ...object.metadata, resourceVersion: String(this.rv) } }
    bucket.set(name, stored)
    const uid = stored.metadata.uid ?? ""
    this.byUid.set(uid, { resource, namespace: stored.metadata.namespace, name })
    this.reindexOwners(uid, old, stored)
    this.commit({ type: old ? "MODIFIED" : "ADDED", resource, object: stored, old, resourceVersion: this.rv })
    return stored
  }

  remove(resource: ResourceType, object: KObject): KObject {
    const bucket = this.bucket(resource, object.metadata.namespace, false)
    const name = object.metadata.name ?? ""
    const old = bucket?.get(name)
    if (!bucket || !old) return object
    bucket.delete(name)
    this.rv++
    const uid = old.metadata.uid ?? ""
    this.byUid.delete(uid)
    this.reindexOwners(uid, old, undefined)
    const gone: KObject = { ...old, metadata: { ...old.metadata, resourceVersion: String(this.rv) } }
    this.commit({ type: "DELETED", resource, object: gone, old, resourceVersion: this.rv })
    return gone
  }

  private reindexOwners(uid: string, old: KObject | undefined, next: KObject | undefined) {
    for (const ref of old?.metadata.ownerReferences ?? []) {
      const set = this.byOwner.get(ref.uid)
      set?.delete(uid)
      if (set?.size === 0) this.byOwner.delete(ref.uid)
    }
    for (const ref of next?.metadata.ownerReferences ?? []) {
      let set = this.byOwner.get(ref.uid)
      if (!set) {
        set = new Set()
        this.byOwner.set(ref.uid, set)
      }
      set.add(uid)
    }
  }

  private commit(event: StoreEvent) {
    this.writes++
    const id = typeId(event.resource)
    let history = this.history.get(id)
    if (!history) {
      history = { events: [], droppedThrough: 0 }
      this.history.set(id, history)
    }
    history.events.push(event)
    if (history.events.length > this.historySize) {
      const dropped = history.events.splice(0, history.events.length - this.historySize)
      history.droppedThrough = dropped[dropped.length - 1]!.resourceVersion
    }
    for (const watcher of this.watchers.get(id) ?? []) deliver(watcher, event)
    for (const listener of this.listeners) listener(event)
  }

  /** Events of `resource` after `since`; throws 410 Gone when the history no longer reaches back that far. */
  eventsSince(resource: ResourceType, since: number): StoreEvent[] {
    const history = this.history.get(typeId(resource))
    const floor = Math.max(this.compactedThrough, history?.droppedThrough ?? 0)
    if (since < floor) throw tooOld(since, floor + 1)
    if (!history) return []
    let start = history.events.length
    while (start > 0 && history.events[start - 1]!.resourceVersion > since) start--
    return history.events.slice(start)
  }

  /** Forgets history through the current resourceVersion, as etcd compaction does: older watches get 410. */
  compact(): void {
    this.compactedThrough = this.rv
  }

  get compactedResourceVersion(): number {
    return this.compactedThrough
  }

  addWatcher(watcher: Watcher): () => void {
    const id = typeId(watcher.resource)
    let set = this.watchers.get(id)
    if (!set) {
      set = new Set()
      this.watchers.set(id, set)
    }
    set.add(watcher)
    return () => set.delete(watcher)
  }

  /** Synchronous hook on every committed change: controllers' informers and tests' observers. */
  listen(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

/**
 * What a filtered watch sees of one change: an object leaving the filter is DELETED for it, one entering is
 * ADDED, as kube-apiserver's watch cache does.
 */
export const deliver = (watcher: Watcher, event: StoreEvent): void => {
  const nowMatches = matchesFilter(watcher.filter, event.object)
  if (event.type === "DELETED") {
    if (nowMatches) watcher.send("DELETED", event.object)
    return
  }
  const before = event.old !== undefined && matchesFilter(watcher.filter, event.old)
  if (nowMatches && before) watcher.send("MODIFIED", event.object)
  else if (nowMatches) watcher.send("ADDED", event.object)
  else if (before) watcher.send("DELETED", event.object)
}
