import { Effect, Layer, Metric } from "effect"
import { Redis } from "ioredis"
import * as MemoryLimiter from "./MemoryLimiter.ts"
import { RateLimiter } from "./RateLimiter.ts"
import { verdictOf } from "./TokenBucket.ts"

/**
 * Token buckets in Redis, one atomic Lua script per check, timed by Redis's own clock so that every gateway agrees.
 * When Redis cannot be reached (at start or mid-run) checks fall back to the in-process limiter, which is logged, and
 * return to Redis once it answers again. The only module using ioredis.
 */

const script = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return { allowed, tostring(tokens) }
`

/** How long each check in Redis takes, in milliseconds: the limiter's cost per request. */
export const checkMs = Metric.summary("starform_ratelimit_redis_check_ms", {
  description: "time for one token-bucket check in Redis",
  maxAge: "5 minutes",
  maxSize: 100_000,
  quantiles: [0.5, 0.99],
})

type WithTake = Redis & {
  starformTake(key: string, capacity: number, ratePerMs: number): Promise<[number, string]>
}

/** Where a URL points, without its password, for logs. */
const where = (url: string) => {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || "6379"}`
  } catch {
    return "REDIS_URL"
  }
}

export const layer = (url: string) =>
  Layer.effect(
    RateLimiter,
    Effect.gen(function* () {
      const memory = MemoryLimiter.make()
      const redis = yield* Effect.acquireRelease(
        Effect.sync(() => {
          const client = new Redis(url, {
            enableOfflineQueue: false,
            maxRetriesPerRequest: 0,
            commandTimeout: 250,
            connectTimeout: 1000,
            enableAutoPipelining: true,
            retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
          }) as WithTake
          client.defineCommand("starformTake", { numberOfKeys: 1, lua: script })
          // Failures surface through commands (and are logged there); unhandled 'error' events would crash Node.
          client.on("error", () => {})
          return client
        }),
        (client) => Effect.sync(() => client.disconnect()),
      )
      let usingRedis = yield* Effect.promise(
        () =>
          new Promise<boolean>((resolve) => {
            if (redis.status === "ready") return resolve(true)
            const timer = setTimeout(() => resolve(false), 1500)
            redis.once("ready", () => {
              clearTimeout(timer)
              resolve(true)
            })
          }),
      )
      const at = where(url)
      if (!usingRedis) {
        yield* Effect.logWarning(`rate limiting: Redis at ${at} is unreachable, limiting in-process until it answers`)
      }
      // After a failure, Redis is tried again once it reports ready and a moment has passed.
      let retryAt = 0

      const fallBack = (reason: unknown) =>
        Effect.gen(function* () {
          retryAt = Date.now() + 2000
          if (usingRedis) {
            usingRedis = false
            yield* Effect.logWarning(
              `rate limiting: Redis at ${at} failed (${reason instanceof Error ? reason.message : String(reason)}), limiting in-process until it answers again`,
            )
          }
        })

      return RateLimiter.of({
        take: (budget, key) =>
          Effect.gen(function* () {
            if (!usingRedis && redis.status === "ready" && Date.now() >= retryAt) {
              usingRedis = true
              yield* Effect.logInfo(`rate limiting: Redis at ${at} answers again, limiting there`)
            }
            if (!usingRedis) return yield* memory.take(budget, key)
            const ratePerMs = budget.refillPerMinute / 60_000
            const began = performance.now()
            return yield* Effect.tryPromise(() =>
              redis.starformTake(`starform:ratelimit:${budget.name}:${key}`, budget.capacity, ratePerMs),
            ).pipe(
              Effect.tap(() => Metric.update(checkMs, performance.now() - began)),
              Effect.map(([allowed, tokens]) => verdictOf(budget, allowed === 1, Number(tokens))),
              Effect.catch((error) => Effect.andThen(fallBack(error.cause), memory.take(budget, key))),
            )
          }),
      })
    }),
  )
