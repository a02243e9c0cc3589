import { IdentityAuthApi, PublicApi } from "@starform/domain"
import { Effect, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"

/** The gateway's own typed client, for what a browser test prepares or checks outside the browser. */
export type Client = HttpApiClient.ForApi<typeof PublicApi.Api>

/** Runs `use` with a client sending `token` (none: anonymous); fails the test with the API's error. */
export const call = <A, E>(
  url: string,
  token: string | undefined,
  use: (client: Client) => Effect.Effect<A, E>,
): Promise<A> =>
  HttpApiClient.make(PublicApi.Api, {
    baseUrl: url,
    ...(token === undefined ? {} : { transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(token)) }),
  }).pipe(Effect.flatMap(use), Effect.provide(FetchHttpClient.layer), Effect.runPromise)

/** The same, resolving with the outcome (success or the API's error) instead of failing. */
export const attempt = <A, E>(url: string, token: string | undefined, use: (client: Client) => Effect.Effect<A, E>) =>
  call(url, token, (client) => Effect.result(use(client)))

export const password = "correct horse battery staple"

/** A new account over the API; answers its access token. */
export const signUp = (url: string, email: string, name = "Test Person"): Promise<string> =>
  call(url, undefined, (client) =>
    Effect.gen(function* () {
      const payload = yield* Schema.decodeUnknownEffect(IdentityAuthApi.SignupRequest)({ email, password, name })
      const signed = yield* client.auth.signup({ payload })
      return signed.tokens.accessToken
    }),
  )
