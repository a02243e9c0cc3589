/**
 * The token bucket both limiters implement: a bucket holds up to `capacity` tokens, refills continuously at
 * `refillPerMinute`, and each request takes one. The Redis limiter runs the same arithmetic in Lua (`RedisLimiter`).
 */

export interface Budget {
  readonly name: string
  readonly capacity: number
  readonly refillPerMinute: number
}

export interface BucketState {
  readonly tokens: number
  /** Milliseconds since the epoch of the last update. */
  readonly at: number
}

export interface Verdict {
  readonly allowed: boolean
  readonly limit: number
  /** Whole tokens left after this request. */
  readonly remaining: number
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number
  /** Seconds until a request would be allowed (0 when allowed). */
  readonly retryAfterSeconds: number
}

const perMs = (budget: Budget) => budget.refillPerMinute / 60_000

/** Takes one token from the bucket at time `now`: the new state and the verdict. */
export const take = (
  budget: Budget,
  state: BucketState | undefined,
  now: number,
): { readonly state: BucketState; readonly verdict: Verdict } => {
  const rate = perMs(budget)
  const before =
    state === undefined ? budget.capacity : Math.min(budget.capacity, state.tokens + Math.max(0, now - state.at) * rate)
  const allowed = before >= 1
  const tokens = allowed ? before - 1 : before
  return { state: { tokens, at: now }, verdict: verdictOf(budget, allowed, tokens) }
}

/** The verdict for `tokens` left in a bucket of `budget` after a request that was (or was not) `allowed`. */
export const verdictOf = (budget: Budget, allowed: boolean, tokens: number): Verdict => {
  const rate = perMs(budget)
  return {
    allowed,
    limit: budget.capacity,
    remaining: Math.max(0, Math.floor(tokens)),
    resetSeconds: Math.max(0, Math.ceil((budget.capacity - tokens) / rate / 1000)),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / rate / 1000)),
  }
}

/** How long an idle bucket needs to refill completely: after that its state can be forgotten. */
export const idleMs = (budget: Budget): number => Math.ceil(budget.capacity / perMs(budget))

/** The `RateLimit-*` headers (IETF draft) of a verdict, and `Retry-After` when it refused. */
export const headers = (budget: Budget, verdict: Verdict): Record<string, string> => ({
  "ratelimit-limit": String(verdict.limit),
  "ratelimit-remaining": String(verdict.remaining),
  "ratelimit-reset": String(verdict.resetSeconds),
  "ratelimit-policy": `${budget.capacity};w=${Math.round((budget.capacity / budget.refillPerMinute) * 60)}`,
  ...(verdict.allowed ? {} : { "retry-after": String(verdict.retryAfterSeconds) }),
})
