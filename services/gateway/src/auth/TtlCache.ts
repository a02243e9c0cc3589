import { Deferred, Effect, Exit } from "effect"

/**
 * A small map whose entries expire: the gateway remembers identity's answers (who a token is, whether a session is
 * live, an authorization decision) for a few seconds, so a burst of requests costs one round trip. Changes made
 * through this gateway clear it at once; changes made elsewhere are seen within the TTL.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly until: number }>()
  /** Lookups under way, by key: the requests that miss while one runs wait for its answer. */
  readonly #pending = new Map<string, Deferred.Deferred<V, unknown>>()
  readonly #ttlMs: number
  readonly #maxEntries: number
  /** Bumped by `clear`: a lookup that began before it answers its callers but is not remembered. */
  #generation = 0

  constructor(ttlMs: number, maxEntries = 10_000) {
    this.#ttlMs = ttlMs
    this.#maxEntries = maxEntries
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.until <= Date.now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.value
  }

  set(key: string, value: V): void {
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear()
    this.#entries.set(key, { value, until: Date.now() + this.#ttlMs })
  }

  /**
   * The remembered answer for `key`, else `lookup`'s, remembered. Requests that miss while a lookup of the same key
   * is under way wait for it instead of starting their own: when an entry expires under load, identity is asked once,
   * not once per request in flight. A failed lookup fails the requests that waited for it and is not remembered. The
   * lookup finishes even if the request that started it is cancelled, since others may be waiting. Every caller of
   * one key must pass the same kind of lookup (the waiters get its errors).
   */
  getOrLoad<E, R>(key: string, lookup: Effect.Effect<V, E, R>): Effect.Effect<V, E, R> {
    return Effect.suspend(() => {
      const known = this.get(key)
      if (known !== undefined) return Effect.succeed(known)
      const pending = this.#pending.get(key) as Deferred.Deferred<V, E> | undefined
      if (pending !== undefined) return Deferred.await(pending)
      const answer = Deferred.makeUnsafe<V, E>()
      const generation = this.#generation
      this.#pending.set(key, answer as Deferred.Deferred<V, unknown>)
      return Effect.uninterruptible(
        Effect.flatMap(Effect.exit(lookup), (exit) => {
          if (this.#pending.get(key) === answer) this.#pending.delete(key)
          if (Exit.isSuccess(exit) && generation === this.#generation) this.set(key, exit.value)
          Deferred.doneUnsafe(answer, exit)
          return exit
        }),
      )
    })
  }

  clear(): void {
    this.#generation++
    this.#entries.clear()
    this.#pending.clear()
  }
}
