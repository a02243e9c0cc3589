import { PublicApi } from "@starform/domain"
import { Effect } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import type { HttpApi } from "effect/http-api"
import { AtomHttpApi } from "effect/reactivity"
import * as Session from "./Session.ts"

/** The groups of the gateway's contract. */
type Groups = typeof PublicApi.Api extends HttpApi.HttpApi<string, infer G> ? G : never

/** The service key of the dashboard's client. */
export interface ApiClient {
  readonly _: unique symbol
}

/**
 * The dashboard's one client: derived from the gateway's own `HttpApi` contract, so every request and response is
 * typed by the schemas the gateway validates with. Pages read with `Api.query(group, endpoint, …)` and write with
 * `Api.mutation(…)`; a mutation given `reactivityKeys` makes every query with those keys fetch again.
 */
export const Api: AtomHttpApi.AtomHttpApiClient<ApiClient, "dashboard/Api", Groups> = AtomHttpApi.Service<ApiClient>()(
  "dashboard/Api",
  {
    api: PublicApi.Api,
    httpClient: FetchHttpClient.layer,
    baseUrl: location.origin,
    transformClient: HttpClient.mapRequestEffect((request) =>
      Effect.map(Session.accessToken, (token) =>
        token === undefined ? request : HttpClientRequest.bearerToken(request, token),
      ),
    ),
  },
)
