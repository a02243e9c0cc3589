import { Context, type Effect } from "effect"
import type { Budget, Verdict } from "./TokenBucket.ts"

/**
 * Takes one request from a budget's bucket for `key` (a user, a token, an address). The Redis limiter shares buckets
 * across gateways; the in-process one (no `REDIS_URL`, or Redis down) has the same interface and arithmetic.
 */
export class RateLimiter extends Context.Service<
  RateLimiter,
  {
    readonly take: (budget: Budget, key: string) => Effect.Effect<Verdict>
  }
>()("starform/gateway/RateLimiter") {}
