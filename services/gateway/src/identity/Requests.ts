import { ApiErrors, IdentityRpc } from "@starform/domain"
import { Effect, Option } from "effect"
import { HttpEffect, HttpServerRequest, HttpServerResponse } from "effect/http"
import { type BudgetName, Budgets } from "../ratelimit/Budgets.ts"
import { RateLimiter } from "../ratelimit/RateLimiter.ts"
import { headers } from "../ratelimit/TokenBucket.ts"

/** Where the request came from, for sessions and audit entries. */
export const clientInfo = Effect.map(
  HttpServerRequest.HttpServerRequest,
  (request) =>
    new IdentityRpc.ClientInfo({
      ip: Option.getOrNull(request.remoteAddress),
      userAgent: request.headers["user-agent"] ?? null,
    }),
)

/**
 * Takes one request from `budget` for each key (e.g. the address and the email of a sign-in attempt): over any of
 * them, 429 with `Retry-After`. The most constrained bucket's `RateLimit-*` headers go on the answer.
 */
export const limit = (budget: BudgetName, keys: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const limiter = yield* RateLimiter
    const policy = yield* (yield* Budgets).get(budget)
    let tightest: ReturnType<typeof headers> | undefined
    let refused: { retryAfterSeconds: number } | undefined
    let lowest = Number.POSITIVE_INFINITY
    for (const key of keys) {
      const verdict = yield* limiter.take(policy, key)
      if (!verdict.allowed && (refused === undefined || verdict.retryAfterSeconds > refused.retryAfterSeconds)) {
        refused = verdict
        tightest = headers(policy, verdict)
        lowest = -1
      } else if (refused === undefined && verdict.remaining < lowest) {
        lowest = verdict.remaining
        tightest = headers(policy, verdict)
      }
    }
    const request = yield* Effect.serviceOption(HttpServerRequest.HttpServerRequest)
    if (tightest !== undefined && Option.isSome(request)) {
      const set = tightest
      yield* HttpEffect.appendPreResponseHandler((_request, response) =>
        Effect.succeed(HttpServerResponse.setHeaders(response, set)),
      ).pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, request.value))
    }
    if (refused !== undefined) {
      return yield* new ApiErrors.RateLimited({
        message: `Too many attempts: at most ${policy.capacity} per minute. Retry after ${refused.retryAfterSeconds} seconds.`,
        retryAfterSeconds: refused.retryAfterSeconds,
      })
    }
  })

/** The client address as a rate-limit key. */
export const ipKey = Effect.map(clientInfo, (client) => `ip:${client.ip ?? "unknown"}`)
