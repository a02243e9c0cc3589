import { expect, layer } from "@effect/vitest"
import { FakeOidcIssuer } from "@starform/testkit"
import { Context, Effect, Layer, Redacted } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { clientInfo, failure, Identity, layer as identityLayer, signup } from "./support.ts"

const client = {
  clientId: "starform",
  clientSecret: "s3cret-for-tests",
  redirectUri: "http://127.0.0.1:3000/sso/callback",
}

class Issuer extends Context.Service<Issuer, FakeOidcIssuer.FakeOidcIssuer>()("test/Issuer") {}

/** A fake issuer, and identity configured with it as the OIDC provider `oidc`. */
const withIssuer = Layer.unwrap(
  Effect.map(FakeOidcIssuer.start, (issuer) => {
    issuer.register(client)
    return identityLayer({
      ssoProviders: {
        oidc: {
          issuer: issuer.issuer,
          clientId: client.clientId,
          clientSecret: Redacted.make(client.clientSecret),
          redirectUri: client.redirectUri,
        },
      },
    }).pipe(Layer.merge(Layer.succeed(Issuer, issuer)))
  }),
)

/** The browser's round trip: start, the issuer's redirect back, the callback's code and state. */
const roundTrip = (issuer: FakeOidcIssuer.FakeOidcIssuer) =>
  Effect.gen(function* () {
    const identity = yield* Identity
    const { authorizationUrl } = yield* identity.SsoStart({ provider: "oidc" })
    const back = yield* Effect.promise(() => issuer.authorize(authorizationUrl))
    return { code: back.searchParams.get("code") ?? "", state: back.searchParams.get("state") ?? "", back }
  })

layer(withIssuer)("OIDC sign-in", (it) => {
  it.effect("a verified identity signs in as a new account, and as the same account the next time", () =>
    Effect.gen(function* () {
      const issuer = yield* Issuer
      const identity = yield* Identity
      issuer.signInAs({ sub: "google-123", email: "Margaret@Example.com", emailVerified: true, name: "Margaret" })
      const first = yield* roundTrip(issuer)
      expect(first.back.origin + first.back.pathname).toBe(client.redirectUri)
      const signedIn = yield* identity.SsoCallback({
        provider: "oidc",
        code: first.code,
        state: first.state,
        client: clientInfo,
      })
      expect(signedIn.user).toMatchObject({ email: "margaret@example.com", name: "Margaret" })
      expect(signedIn.user.emailVerifiedAt).not.toBeNull()

      const second = yield* roundTrip(issuer)
      const again = yield* identity.SsoCallback({
        provider: "oidc",
        code: second.code,
        state: second.state,
        client: clientInfo,
      })
      expect(again.user.id).toBe(signedIn.user.id)
      const sql = yield* SqlClient.SqlClient
      const links = yield* sql`SELECT subject FROM sso_identities WHERE user_id = ${signedIn.user.id}`
      expect(links).toEqual([{ subject: "google-123" }])
    }),
  )

  it.effect("a verified email links to the existing password account", () =>
    Effect.gen(function* () {
      const issuer = yield* Issuer
      const identity = yield* Identity
      const person = yield* signup("Has Password")
      issuer.signInAs({ sub: "okta-9", email: person.email, emailVerified: true })
      const trip = yield* roundTrip(issuer)
      const signedIn = yield* identity.SsoCallback({
        provider: "oidc",
        code: trip.code,
        state: trip.state,
        client: clientInfo,
      })
      expect(signedIn.user.id).toBe(person.user.id)
    }),
  )

  it.effect("a state is good for one callback, and an unverified email matches no account", () =>
    Effect.gen(function* () {
      const issuer = yield* Issuer
      const identity = yield* Identity
      issuer.signInAs({ sub: "x-1", email: "someone@example.com", emailVerified: true })
      const trip = yield* roundTrip(issuer)
      yield* identity.SsoCallback({ provider: "oidc", code: trip.code, state: trip.state, client: clientInfo })
      const replay = yield* failure(
        identity.SsoCallback({ provider: "oidc", code: trip.code, state: trip.state, client: clientInfo }),
      )
      expect(replay.message).toContain("expired or was already completed")

      issuer.signInAs({ sub: "x-2", email: "unverified@example.com", emailVerified: false })
      const unverified = yield* roundTrip(issuer)
      const refused = yield* failure(
        identity.SsoCallback({
          provider: "oidc",
          code: unverified.code,
          state: unverified.state,
          client: clientInfo,
        }),
      )
      expect(refused.message).toContain("verified email")
    }),
  )

  it.effect("a code the issuer does not know is refused at the token endpoint; unknown providers are a 400", () =>
    Effect.gen(function* () {
      const issuer = yield* Issuer
      const identity = yield* Identity
      issuer.signInAs({ sub: "y", email: "y@example.com", emailVerified: true })
      const trip = yield* roundTrip(issuer)
      const refused = yield* failure(
        identity.SsoCallback({ provider: "oidc", code: "forged-code", state: trip.state, client: clientInfo }),
      )
      expect(refused.code).toBe("unauthenticated")
      expect(issuer.tokenRequests.at(-1)).toEqual({ status: 400, error: "invalid_grant" })
      const unknown = yield* failure(identity.SsoStart({ provider: "github" }))
      expect(unknown).toMatchObject({ code: "validation_failed", field: "provider", rule: "sso-provider" })
    }),
  )
})
