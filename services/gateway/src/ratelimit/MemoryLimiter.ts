import { Effect } from "effect"
import { RateLimiter } from "./RateLimiter.ts"
import { type BucketState, type Budget, idleMs, take } from "./TokenBucket.ts"

/** Token buckets in this process's memory; full buckets are dropped so idle keys cost nothing. */
export const make = (): RateLimiter["Service"] => {
  const buckets = new Map<string, BucketState>()
  let lastSweep = Date.now()
  const sweep = (now: number, budgets: Map<string, Budget>) => {
    if (now - lastSweep < 10_000) return
    lastSweep = now
    for (const [key, state] of buckets) {
      const budget = budgets.get(key.slice(0, key.indexOf(":")))
      if (budget === undefined || now - state.at > idleMs(budget)) buckets.delete(key)
    }
  }
  const budgets = new Map<string, Budget>()
  return RateLimiter.of({
    take: (budget, key) =>
      Effect.sync(() => {
        const now = Date.now()
        budgets.set(budget.name, budget)
        sweep(now, budgets)
        const bucketKey = `${budget.name}:${key}`
        const result = take(budget, buckets.get(bucketKey), now)
        buckets.set(bucketKey, result.state)
        return result.verdict
      }),
  })
}
