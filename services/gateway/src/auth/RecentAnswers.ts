import { Cache, Duration, Effect, Equal, Exit, Hash, MutableHashMap, Option } from "effect"

/**
 * Identity's recent answers (who a token is, whether a session is live, an authorization decision), remembered for
 * a few seconds so a burst of requests costs one round trip: Effect's `Cache`, keyed by a string while each caller
 * brings the lookup for its key. What `Cache` gives and this keeps: requests that miss together share one lookup (no
 * stampede when an entry expires under load), and the lookup finishes for the others if the request that started it
 * is cancelled. What the time-to-live adds: a failed lookup is not remembered. What `clear` relies on: it empties the
 * cache, in-flight lookups included, and a lookup that ends after that answers its callers but does not come back
 * (its entry is no longer the cache's), so an answer asked for before a revocation is never remembered after it.
 */

/** A cache key that carries the lookup of its answer; equal, and hashed, by its string alone. */
class Question<V, E> implements Equal.Equal {
  readonly key: string
  readonly lookup: Effect.Effect<V, E>

  constructor(key: string, lookup: Effect.Effect<V, E>) {
    this.key = key
    this.lookup = lookup
  }

  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Question && that.key === this.key
  }

  [Hash.symbol](): number {
    return Hash.string(this.key)
  }
}

/** Peeking never looks up: it only names the key. */
const noLookup = Effect.die(new Error("RecentAnswers: a peek does not look up"))

export class RecentAnswers<V, E = never> {
  readonly #cache: Cache.Cache<Question<V, E>, V, E>

  private constructor(cache: Cache.Cache<Question<V, E>, V, E>) {
    this.#cache = cache
  }

  /** Answers remembered for `ttl`, at most `capacity` of them (the least recently used go first). */
  static make<V, E = never>(ttl: Duration.Input, capacity = 10_000): Effect.Effect<RecentAnswers<V, E>> {
    return Effect.map(
      Cache.makeWith((question: Question<V, E>) => question.lookup, {
        capacity,
        timeToLive: (exit) => (Exit.isSuccess(exit) ? ttl : Duration.zero),
      }),
      (cache) => new RecentAnswers(cache),
    )
  }

  /**
   * The remembered answer for `key`, else `lookup`'s, remembered. Every caller of one key must pass the same kind of
   * lookup: those who miss while it runs wait for it and get its answer or its error.
   */
  getOrLoad(key: string, lookup: Effect.Effect<V, E>): Effect.Effect<V, E> {
    return Cache.get(this.#cache, new Question(key, lookup))
  }

  /** The answer remembered for `key` (waiting for one under way), without looking it up. */
  get(key: string): Effect.Effect<V | undefined, E> {
    return Effect.map(Cache.getOption(this.#cache, new Question<V, E>(key, noLookup)), Option.getOrUndefined)
  }

  /**
   * Forgets everything, lookups under way included. Synchronous (what `Cache.invalidateAll` does, without an
   * effect), because identity's handlers clear it in the middle of the request that revoked something.
   */
  clear(): void {
    MutableHashMap.clear(this.#cache.map)
  }
}
