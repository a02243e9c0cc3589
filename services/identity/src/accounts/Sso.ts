import { createHash } from "node:crypto"
import { Sql } from "@starform/db"
import { ApiErrors, IdentityAuthApi, type IdentityRpc, Ids } from "@starform/domain"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from "jose"
import { IdentityConfig, type SsoProviderConfig } from "../IdentityConfig.ts"
import * as Secrets from "../Secrets.ts"
import { Accounts } from "./Accounts.ts"

/**
 * OIDC single sign-on (authorization code flow with PKCE and a nonce). The only module that speaks to identity
 * providers: discovery, the token endpoint, and ID-token verification against the issuer's JWKS.
 */

const stateLifetimeMs = 10 * 60 * 1000

interface Discovery {
  readonly issuer: string
  readonly authorizationEndpoint: string
  readonly tokenEndpoint: string
  readonly jwks: JWTVerifyGetKey
}

const failed = (message: string) => new ApiErrors.Unauthenticated({ message })

const fetchJson = (url: string, init?: RequestInit) =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) })
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>
      return { status: response.status, body }
    },
    catch: () => failed("The SSO provider could not be reached: try again later."),
  })

const pkceChallenge = (verifier: string) => createHash("sha256").update(verifier).digest("base64url")

export class Sso extends Context.Service<
  Sso,
  {
    readonly start: (provider: string) => Effect.Effect<IdentityAuthApi.SsoAuthorization, ApiErrors.ValidationFailed>
    readonly callback: (
      provider: string,
      code: string,
      state: string,
      client: IdentityRpc.ClientInfo,
    ) => Effect.Effect<IdentityAuthApi.SignedIn, ApiErrors.Unauthenticated | ApiErrors.ValidationFailed>
  }
>()("starform/identity/Sso") {
  static readonly layer = Layer.effect(
    Sso,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const config = yield* IdentityConfig
      const accounts = yield* Accounts
      const discovered = new Map<string, Discovery>()

      const providerOf = (name: string) => {
        const provider = config.ssoProviders[name]
        return provider === undefined
          ? Effect.fail(
              ApiErrors.ValidationFailed.field(
                "provider",
                "sso-provider",
                `must be a configured SSO provider (${Object.keys(config.ssoProviders).join(", ") || "none is configured"})`,
              ),
            )
          : Effect.succeed(provider)
      }

      const discover = (name: string, provider: SsoProviderConfig) =>
        Effect.gen(function* () {
          const known = discovered.get(name)
          if (known !== undefined) return known
          const url = `${provider.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`
          const { status, body } = yield* fetchJson(url)
          const text = (key: string) => (typeof body[key] === "string" ? (body[key] as string) : undefined)
          const issuer = text("issuer")
          const authorizationEndpoint = text("authorization_endpoint")
          const tokenEndpoint = text("token_endpoint")
          const jwksUri = text("jwks_uri")
          if (status !== 200 || !issuer || !authorizationEndpoint || !tokenEndpoint || !jwksUri) {
            return yield* failed("The SSO provider's configuration could not be read: ask an administrator.")
          }
          const discovery = { issuer, authorizationEndpoint, tokenEndpoint, jwks: createRemoteJWKSet(new URL(jwksUri)) }
          discovered.set(name, discovery)
          return discovery
        })

      const start = Effect.fn("Sso.start")(function* (name: string) {
        const provider = yield* providerOf(name)
        const discovery = yield* discover(name, provider).pipe(
          Effect.mapError(() =>
            ApiErrors.ValidationFailed.field("provider", "sso-provider", "could not be reached: try again later"),
          ),
        )
        const state = Secrets.randomBase62(43)
        const nonce = Secrets.randomBase62(32)
        const codeVerifier = Secrets.randomBase62(64)
        yield* sql`INSERT INTO sso_states ${sql.insert({
          stateHash: Secrets.hash(state),
          provider: name,
          nonce,
          codeVerifier,
          redirectUri: provider.redirectUri,
          expiresAt: new Date(Date.now() + stateLifetimeMs),
        })}`
        const url = new URL(discovery.authorizationEndpoint)
        url.search = new URLSearchParams({
          response_type: "code",
          client_id: provider.clientId,
          redirect_uri: provider.redirectUri,
          scope: "openid email profile",
          state,
          nonce,
          code_challenge: pkceChallenge(codeVerifier),
          code_challenge_method: "S256",
        }).toString()
        return new IdentityAuthApi.SsoAuthorization({ authorizationUrl: url.toString() })
      })

      /** The user an external identity signs in as: linked before, matched by a verified email, or new. */
      const userFor = (issuer: string, claims: { sub: string; email?: string; verified: boolean; name: string }) =>
        Sql.transaction(sql)(
          Effect.gen(function* () {
            const linked = yield* sql<{ userId: string }>`SELECT user_id FROM sso_identities
              WHERE issuer = ${issuer} AND subject = ${claims.sub}`
            if (linked[0] !== undefined) return Option.some(linked[0].userId)
            if (claims.email === undefined || !claims.verified) return Option.none<string>()
            const existing = yield* sql<{ id: string }>`SELECT id FROM users
              WHERE lower(email) = lower(${claims.email}) AND status = 'active'`
            let userId = existing[0]?.id
            if (userId === undefined) {
              userId = Ids.newId("user")
              yield* sql`INSERT INTO users ${sql.insert({
                id: userId,
                email: claims.email.toLowerCase(),
                name: claims.name.slice(0, 100),
                emailVerifiedAt: new Date(),
              })}`
            }
            yield* sql`INSERT INTO sso_identities ${sql.insert({
              issuer,
              subject: claims.sub,
              userId,
              email: claims.email,
            })}`
            return Option.some(userId)
          }),
        )

      const callback = Effect.fn("Sso.callback")(function* (
        name: string,
        code: string,
        state: string,
        client: IdentityRpc.ClientInfo,
      ) {
        const provider = yield* providerOf(name)
        const spent = yield* sql<{ nonce: string; codeVerifier: string; redirectUri: string }>`UPDATE sso_states
          SET used_at = now() WHERE state_hash = ${Secrets.hash(state)} AND provider = ${name}
            AND used_at IS NULL AND expires_at > now()
          RETURNING nonce, code_verifier, redirect_uri`
        const pending = spent[0]
        if (pending === undefined)
          return yield* failed("This sign-in has expired or was already completed: start again.")
        const discovery = yield* discover(name, provider)
        const { status, body } = yield* fetchJson(discovery.tokenEndpoint, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
          body: new URLSearchParams({
            grant_type: "authorization_code",
            code,
            redirect_uri: pending.redirectUri,
            client_id: provider.clientId,
            client_secret: Redacted.value(provider.clientSecret),
            code_verifier: pending.codeVerifier,
          }),
        })
        const idToken = body.id_token
        if (status !== 200 || typeof idToken !== "string") {
          return yield* failed("The SSO provider refused the sign-in code: start the sign-in again.")
        }
        const { payload } = yield* Effect.tryPromise({
          try: () => jwtVerify(idToken, discovery.jwks, { issuer: discovery.issuer, audience: provider.clientId }),
          catch: () => failed("The SSO provider's ID token did not verify: the sign-in was refused."),
        })
        if (payload.nonce !== pending.nonce || typeof payload.sub !== "string") {
          return yield* failed("The SSO provider's ID token was not for this sign-in: the sign-in was refused.")
        }
        const userId = yield* userFor(discovery.issuer, {
          sub: payload.sub,
          ...(typeof payload.email === "string" ? { email: payload.email } : {}),
          verified: payload.email_verified === true,
          name: typeof payload.name === "string" ? payload.name.trim() : "",
        })
        if (Option.isNone(userId)) {
          return yield* failed(
            "The SSO provider did not share a verified email address, so no Starform account could be matched.",
          )
        }
        return yield* accounts.signIn(userId.value, client)
      })

      return Sso.of(Sql.edge({ start, callback }))
    }),
  )
}
