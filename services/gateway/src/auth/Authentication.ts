import { createHash } from "node:crypto"
import { ApiErrors, Auth } from "@starform/domain"
import { Effect, Layer, Redacted } from "effect"
import { HttpEffect, HttpServerResponse } from "effect/http"
import { call, IdentityClient } from "../identity/IdentityClient.ts"
import { Budgets } from "../ratelimit/Budgets.ts"
import { RateLimiter } from "../ratelimit/RateLimiter.ts"
import { headers } from "../ratelimit/TokenBucket.ts"
import { AccessTokens } from "./AccessTokens.ts"
import * as AuditTrail from "./AuditTrail.ts"
import { AuthCache } from "./AuthCache.ts"

/**
 * `Authorization: Bearer …` → `CurrentActor`. An `sf_…` secret is an API token (identity looks up its hash); anything
 * else must be an access token (verified here with identity's public key, its session checked live). Then one
 * request is taken from the actor's `api` budget: over it, 429 with `Retry-After`; every answer carries the
 * `RateLimit-*` headers. The handlers behind it get the actor and the `Authorizer`.
 */

const missing = new ApiErrors.Unauthenticated({
  message: "Send an access token or API token as Authorization: Bearer <token>.",
})
const signedOut = new ApiErrors.Unauthenticated({
  message: "This session has been signed out: sign in again.",
})

export const layer = Layer.effect(
  Auth.Authentication,
  Effect.gen(function* () {
    const identity = yield* IdentityClient
    const accessTokens = yield* AccessTokens
    const limiter = yield* RateLimiter
    const budgets = yield* Budgets
    const cache = yield* AuthCache
    const authorizer = yield* Auth.Authorizer

    const fromApiToken = (secret: string) =>
      Effect.gen(function* () {
        const key = createHash("sha256").update(secret).digest("hex")
        return yield* cache.tokens.getOrLoad(key, call(identity.AuthenticateToken({ secret })))
      })

    const fromAccessToken = (token: string) =>
      Effect.gen(function* () {
        const { userId, sessionId } = yield* accessTokens.verify(token)
        const actor = yield* cache.sessions.getOrLoad(
          `${userId}|${sessionId}`,
          Effect.map(call(identity.SessionIsLive({ userId, sessionId })), (live) =>
            live
              ? new Auth.Actor({
                  kind: "user",
                  id: userId,
                  userId,
                  sessionId,
                  tokenId: null,
                  scope: null,
                  permissions: null,
                })
              : null,
          ),
        )
        if (actor === null) return yield* signedOut
        return actor
      })

    return Auth.Authentication.of({
      bearer: (httpEffect, { credential }) =>
        Effect.gen(function* () {
          const secret = Redacted.value(credential).trim()
          if (secret === "") return yield* missing
          const actor = yield* secret.startsWith("sf_") ? fromApiToken(secret) : fromAccessToken(secret)
          yield* AuditTrail.note({ actor })
          const budget = yield* budgets.get("api")
          const verdict = yield* limiter.take(budget, `${actor.kind}:${actor.id}`)
          const limitHeaders = headers(budget, verdict)
          yield* HttpEffect.appendPreResponseHandler((_request, response) =>
            Effect.succeed(HttpServerResponse.setHeaders(response, limitHeaders)),
          )
          if (!verdict.allowed) {
            return yield* new ApiErrors.RateLimited({
              message: `Too many requests: the limit is ${budget.capacity} per minute. Retry after ${verdict.retryAfterSeconds} seconds.`,
              retryAfterSeconds: verdict.retryAfterSeconds,
            })
          }
          return yield* httpEffect.pipe(
            Effect.provideService(Auth.CurrentActor, actor),
            Effect.provideService(Auth.Authorizer, authorizer),
          )
        }),
    })
  }),
)
