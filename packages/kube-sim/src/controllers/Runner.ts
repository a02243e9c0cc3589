import type { Cluster } from "../apiserver/Cluster.ts"
import type { ResourceType } from "../apiserver/Registry.ts"
import { ApiError } from "../apiserver/Status.ts"
import type { StoreEvent } from "../apiserver/Store.ts"
import type { KObject } from "../Objects.ts"

/** A simulated controller: which changes wake it (as keys of its own), and how it reconciles one key. */
export interface Controller {
  readonly name: string
  readonly triggers: ReadonlyArray<{
    readonly resource: ResourceType
    readonly keys: (event: StoreEvent) => Iterable<string>
  }>
  sync(key: string): void
}

export interface Scheduler {
  /** Reconcile `key` again once the simulated clock reaches `at` (ms). */
  requeueAt(controller: string, key: string, at: number): void
  enqueue(controller: string, key: string): void
}

/**
 * Runs controllers the way kube-controller-manager does, as informers feeding work queues, but synchronously on
 * the simulated clock: a change enqueues keys, `drain()` reconciles until the queues are empty, and timers wake
 * keys when the clock passes their time.
 */
export class Runner implements Scheduler {
  private readonly controllers = new Map<string, Controller>()
  private readonly queues = new Map<string, Set<string>>()
  private readonly timers = new Map<string, Map<string, number>>()
  private readonly triggers = new Map<
    ResourceType,
    Array<{ controller: string; keys: (e: StoreEvent) => Iterable<string> }>
  >()
  /** Controllers that reconcile nothing for now: their queues keep filling. */
  private readonly held = new Set<string>()
  private draining = false
  /** Errors controllers raised other than conflicts: a test can assert there were none. */
  readonly errors: Array<{ controller: string; key: string; error: unknown }> = []

  readonly cluster: Cluster
  constructor(cluster: Cluster) {
    this.cluster = cluster
    cluster.store.listen((event) => this.onEvent(event))
  }

  add(controller: Controller): void {
    this.controllers.set(controller.name, controller)
    this.queues.set(controller.name, new Set())
    this.timers.set(controller.name, new Map())
    for (const trigger of controller.triggers) {
      const list = this.triggers.get(trigger.resource) ?? []
      list.push({ controller: controller.name, keys: trigger.keys })
      this.triggers.set(trigger.resource, list)
    }
  }

  private onEvent(event: StoreEvent) {
    for (const trigger of this.triggers.get(event.resource) ?? []) {
      const queue = this.queues.get(trigger.controller)!
      for (const key of trigger.keys(event)) queue.add(key)
    }
  }

  enqueue(controller: string, key: string): void {
    this.queues.get(controller)?.add(key)
  }

  requeueAt(controller: string, key: string, at: number): void {
    const timers = this.timers.get(controller)
    if (!timers) return
    const existing = timers.get(key)
    if (existing === undefined || at < existing) timers.set(key, at)
  }

  /** Moves every timer due at `now` into its queue. */
  fire(now: number): void {
    for (const [name, timers] of this.timers) {
      const queue = this.queues.get(name)!
      for (const [key, at] of timers) {
        if (at <= now) {
          timers.delete(key)
          queue.add(key)
        }
      }
    }
  }

  /** The earliest pending timer, if any. */
  nextWake(): number | undefined {
    let next: number | undefined
    for (const timers of this.timers.values())
      for (const at of timers.values()) if (next === undefined || at < next) next = at
    return next
  }

  get pending(): boolean {
    for (const [name, queue] of this.queues) if (queue.size > 0 && !this.held.has(name)) return true
    return false
  }

  /** Stops `controller` reconciling until `release` is called; what it is woken for meanwhile waits in its queue. */
  hold(controller: string): void {
    if (!this.controllers.has(controller))
      throw new Error(`kube-sim: no controller named ${controller} (${[...this.controllers.keys()].join(", ")})`)
    this.held.add(controller)
  }

  release(controller: string): void {
    this.held.delete(controller)
  }

  /** Reconciles until every queue is empty (bounded, so a controller fighting another cannot hang the sim). */
  drain(maxRounds = 100): number {
    if (this.draining) return 0
    this.draining = true
    let synced = 0
    try {
      for (let round = 0; round < maxRounds && this.pending; round++) {
        for (const [name, queue] of this.queues) {
          if (queue.size === 0 || this.held.has(name)) continue
          const keys = [...queue]
          queue.clear()
          const controller = this.controllers.get(name)!
          for (const key of keys) {
            synced++
            try {
              controller.sync(key)
            } catch (error) {
              // A conflict means another writer got there first: reconcile again from the new state.
              if (error instanceof ApiError && (error.code === 409 || error.code === 404)) queue.add(key)
              else this.errors.push({ controller: name, key, error })
            }
          }
        }
      }
    } finally {
      this.draining = false
    }
    return synced
  }
}

/** The usual key of a namespaced object. */
export const nsKey = (obj: KObject): string => `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`

export const splitKey = (key: string): [string, string] => {
  const slash = key.indexOf("/")
  return [key.slice(0, slash), key.slice(slash + 1)]
}

/** Keys of the controlling owners of kind `kind` named by an event's object (old or new). */
export const ownerKeys =
  (kind: string) =>
  (event: StoreEvent): string[] => {
    const out = new Set<string>()
    for (const obj of [event.object, event.old]) {
      if (!obj) continue
      for (const ref of obj.metadata.ownerReferences ?? [])
        if (ref.kind === kind && ref.controller === true) out.add(`${obj.metadata.namespace ?? ""}/${ref.name}`)
    }
    return [...out]
  }

export const selfKey = (event: StoreEvent): string[] => [nsKey(event.object)]
