import { Cache, Context, Duration, Effect, Exit, MutableHashMap, Option } from "effect"

/**
 * Identity's recent answers (who a token is, whether a session is live, an authorization decision), remembered for
 * a few seconds so a burst of requests costs one round trip: Effect's `Cache`, keyed by a string, where each caller
 * brings the lookup for its key. What `Cache` gives and this keeps: requests that miss together share one lookup (no
 * stampede when an entry expires under load), and the lookup finishes for the others if the request that started it
 * is cancelled. What the time-to-live adds: a failed lookup is not remembered. What `clear` relies on: it empties the
 * cache, in-flight lookups included, and a lookup that ends after that answers its callers but does not come back
 * (its entry is no longer the cache's), so an answer asked for before a revocation is never remembered after it.
 */

/** Each cache has a service of its own through which a caller hands its lookup to the cache. */
let caches = 0

export class RecentAnswers<V, E = never> {
  readonly #cache: Cache.Cache<string, V, E, Lookup<V, E>>
  readonly #lookup: Context.Service<Lookup<V, E>, Effect.Effect<V, E>>

  private constructor(
    cache: Cache.Cache<string, V, E, Lookup<V, E>>,
    lookup: Context.Service<Lookup<V, E>, Effect.Effect<V, E>>,
  ) {
    this.#cache = cache
    this.#lookup = lookup
  }

  /** Answers remembered for `ttl`, at most `capacity` of them (the least recently used go first). */
  static make<V, E = never>(ttl: Duration.Input, capacity = 10_000): Effect.Effect<RecentAnswers<V, E>> {
    const lookup = Context.Service<Lookup<V, E>, Effect.Effect<V, E>>(`starform/gateway/RecentAnswers/${++caches}`)
    // The lookup runs in a fiber forked from the caller that missed, so it finds the lookup that caller provided.
    return Effect.map(
      Cache.makeWith<string, V, E, Lookup<V, E>, "lookup">((_key) => Effect.flatten(Effect.service(lookup)), {
        capacity,
        timeToLive: (exit) => (Exit.isSuccess(exit) ? ttl : Duration.zero),
        requireServicesAt: "lookup",
      }),
      (cache) => new RecentAnswers(cache, lookup),
    )
  }

  /**
   * The remembered answer for `key`, else `lookup`'s, remembered. Every caller of one key must pass the same kind of
   * lookup: those who miss while it runs wait for it and get its answer or its error.
   */
  getOrLoad(key: string, lookup: Effect.Effect<V, E>): Effect.Effect<V, E> {
    return Effect.provideService(Cache.get(this.#cache, key), this.#lookup, lookup)
  }

  /** The answer remembered for `key` (waiting for one under way), without looking it up. */
  get(key: string): Effect.Effect<V | undefined, E> {
    return Effect.map(Cache.getOption(this.#cache, key), Option.getOrUndefined)
  }

  /**
   * Forgets everything, lookups under way included. Synchronous (what `Cache.invalidateAll` does, without an
   * effect), because identity's handlers clear it in the middle of the request that revoked something.
   */
  clear(): void {
    MutableHashMap.clear(this.#cache.map)
  }
}

/** The identifier of a cache's lookup service. */
interface Lookup<V, E> {
  readonly _: unique symbol
  readonly answer: V
  readonly error: E
}
