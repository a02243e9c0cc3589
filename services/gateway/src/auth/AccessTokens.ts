import { ApiErrors, type Ids } from "@starform/domain"
import { Context, Effect, Layer } from "effect"
import { createLocalJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose"
import { call, IdentityClient } from "../identity/IdentityClient.ts"

/**
 * Verifies access tokens (EdDSA JWTs signed by identity) with identity's public keys, fetched once and again when a
 * token names a key not seen yet (a key rotation). The gateway can verify tokens but never mint them.
 */

export interface AccessClaims {
  readonly userId: Ids.UserId
  readonly sessionId: Ids.SessionId
}

const invalid = new ApiErrors.Unauthenticated({
  message: "The access token is not valid: sign in again to get a new one.",
})
const expired = new ApiErrors.Unauthenticated({
  message: "The access token has expired: use the refresh token to get a new one.",
})

export class AccessTokens extends Context.Service<
  AccessTokens,
  { readonly verify: (token: string) => Effect.Effect<AccessClaims, ApiErrors.Unauthenticated> }
>()("starform/gateway/AccessTokens") {
  static readonly layer = Layer.effect(
    AccessTokens,
    Effect.gen(function* () {
      const identity = yield* IdentityClient
      let keys: { jwks: JWTVerifyGetKey; issuer: string; audience: string } | undefined
      let fetchedAt = 0

      const load = call(identity.AccessTokenKeys()).pipe(
        Effect.map((published) => {
          keys = {
            jwks: createLocalJWKSet({ keys: published.keys.map((key) => ({ ...key })) }),
            issuer: published.issuer,
            audience: published.audience,
          }
          fetchedAt = Date.now()
          return keys
        }),
      )

      const check = (token: string, current: NonNullable<typeof keys>) =>
        Effect.tryPromise({
          try: () =>
            jwtVerify(token, current.jwks, {
              issuer: current.issuer,
              audience: current.audience,
              algorithms: ["EdDSA"],
              requiredClaims: ["sub", "sid", "exp"],
            }),
          catch: (error) => error,
        })

      const claimsOf = (payload: { readonly sub?: unknown; readonly sid?: unknown }) =>
        typeof payload.sub === "string" &&
        /^usr_[0-9a-z]{24}$/.test(payload.sub) &&
        typeof payload.sid === "string" &&
        /^ses_[0-9a-z]{24}$/.test(payload.sid)
          ? Effect.succeed({ userId: payload.sub as Ids.UserId, sessionId: payload.sid as Ids.SessionId })
          : Effect.fail(invalid)

      // A token whose signature was verified is remembered until it expires: the same token again is the same answer.
      const verified = new Map<string, { readonly claims: AccessClaims; readonly expiresAt: number }>()

      return AccessTokens.of({
        verify: (token) =>
          Effect.gen(function* () {
            const known = verified.get(token)
            if (known !== undefined) {
              if (known.expiresAt > Date.now()) return known.claims
              verified.delete(token)
            }
            const current = keys ?? (yield* load)
            const result = yield* check(token, current).pipe(
              Effect.catchIf(
                // A key we have not seen: identity may have a new one (at most one re-fetch every 30 seconds).
                (error) => error instanceof errors.JWKSNoMatchingKey && Date.now() - fetchedAt > 30_000,
                () => Effect.flatMap(load, (fresh) => check(token, fresh)),
              ),
              Effect.mapError((error) => (error instanceof errors.JWTExpired ? expired : invalid)),
            )
            const claims = yield* claimsOf(result.payload)
            if (verified.size >= 50_000) verified.clear()
            verified.set(token, { claims, expiresAt: (result.payload.exp ?? 0) * 1000 })
            return claims
          }),
      })
    }),
  )
}
