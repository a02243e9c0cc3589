import { PublicApi } from "@starform/domain"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as AuditTrail from "../auth/AuditTrail.ts"
import { AuthCache } from "../auth/AuthCache.ts"
import type { BudgetName, Budgets } from "../ratelimit/Budgets.ts"
import type { RateLimiter } from "../ratelimit/RateLimiter.ts"
import { call, IdentityClient } from "./IdentityClient.ts"
import { clientInfo, ipKey, limit } from "./Requests.ts"

/** `/v1/auth/*`: the calls before anyone holds a token. Sign-in attempts draw on the stricter `login` budget. */
export const AuthHandlers = HttpApiBuilder.group(PublicApi.Api, "auth", (handlers) =>
  Effect.gen(function* () {
    const identity = yield* IdentityClient
    const cache = yield* AuthCache
    const limits = yield* Effect.context<Budgets | RateLimiter>()
    const limited = (budget: BudgetName, keys: ReadonlyArray<string>) =>
      Effect.provideContext(limit(budget, keys), limits)
    const signedIn = (userId: string) =>
      AuditTrail.note({ actorIdOverride: userId, targetType: "user", targetId: userId })

    return handlers
      .handle("signup", ({ payload }) =>
        Effect.gen(function* () {
          yield* limited("login", [`signup:${yield* ipKey}`])
          const result = yield* call(identity.Signup({ request: payload, client: yield* clientInfo }))
          yield* signedIn(result.user.id)
          return result
        }),
      )
      .handle("login", ({ payload }) =>
        Effect.gen(function* () {
          yield* limited("login", [`login:${yield* ipKey}`, `login:email:${payload.email.trim().toLowerCase()}`])
          const result = yield* call(
            identity.Login({ email: payload.email, password: payload.password, client: yield* clientInfo }),
          )
          if (result.status === "signed_in") yield* signedIn(result.user.id)
          return result
        }),
      )
      .handle("completeMfa", ({ payload }) =>
        Effect.gen(function* () {
          yield* limited("login", [`mfa:${yield* ipKey}`])
          const result = yield* call(identity.CompleteMfa({ ...payload, client: yield* clientInfo }))
          yield* signedIn(result.user.id)
          return result
        }),
      )
      .handle("refresh", ({ payload }) =>
        Effect.gen(function* () {
          return yield* call(identity.Refresh({ refreshToken: payload.refreshToken, client: yield* clientInfo })).pipe(
            // A refused refresh may have revoked a whole session: forget what this gateway remembered about it.
            Effect.tapError(() => Effect.sync(cache.clear)),
          )
        }),
      )
      .handle("verifyEmail", ({ payload }) => call(identity.VerifyEmail({ token: payload.token })))
      .handle("requestPasswordReset", ({ payload }) =>
        Effect.gen(function* () {
          yield* limited("login", [`reset:${yield* ipKey}`, `reset:email:${payload.email}`])
          yield* call(identity.RequestPasswordReset({ email: payload.email }))
        }),
      )
      .handle("resetPassword", ({ payload }) => call(identity.ResetPassword(payload)))
      .handle("ssoStart", ({ params }) => call(identity.SsoStart({ provider: params.provider })))
      .handle("ssoCallback", ({ params, payload }) =>
        Effect.gen(function* () {
          yield* limited("login", [`sso:${yield* ipKey}`])
          const result = yield* call(
            identity.SsoCallback({ provider: params.provider, ...payload, client: yield* clientInfo }),
          )
          yield* signedIn(result.user.id)
          return result
        }),
      )
  }),
)
