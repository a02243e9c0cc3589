import { type Context, Data, type Duration, Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { type Rpc, RpcClient, type RpcClientError, type RpcGroup, type RpcSerialization } from "effect/rpc"
import * as ExchangeDefects from "./ExchangeDefects.ts"

/**
 * The one way a Starbase process (a service, the gateway, Shuttle) builds a client of another service's Effect RPC
 * contract (`packages/domain/src/*Rpc.ts`) over HTTP: where it listens (`url` + the contract's `path`), its wire
 * format (the contract's `serialization`), an optional bearer token, optional batching, and the HTTP client (fetch
 * unless given). A client is a `Context.Service` whose layer is `ServiceClient.layer`:
 *
 * ```ts
 * export class ProjectsClient extends Context.Service<ProjectsClient, ServiceClient.Client<ProjectsRpc.ProjectsRpcs>>()(
 *   "starform/<service>/ProjectsClient",
 * ) {
 *   static readonly layer = (baseUrl: string) =>
 *     ServiceClient.layer(ProjectsClient, ProjectsRpc.ProjectsRpcs, {
 *       url: baseUrl,
 *       path: ProjectsRpc.path,
 *       serialization: ProjectsRpc.serialization,
 *     })
 * }
 * // a call whose transport failure (the service down) is a defect naming the service, keeping the call's own errors
 * export const call = ServiceClient.orDie("projects")
 * ```
 *
 * The identity service's contract is served at the URL itself (`IDENTITY_URL`, e.g. `http://127.0.0.1:8081/rpc`):
 * leave `path` out and pass `IdentityRpc.serialization`. A caller that must go on without the service (Shuttle, from
 * its cache) maps `RpcClientError` itself instead of using `orDie`; a caller of several groups of one service
 * (Shuttle again) builds each with `make` in one scope.
 */

/** The client of a contract: one method per RPC, failing with the RPC's errors or `RpcClientError` (the wire). */
export type Client<Group> =
  Group extends RpcGroup.RpcGroup<infer Rpcs> ? RpcClient.RpcClient<Rpcs, RpcClientError.RpcClientError> : never

export interface Options {
  /** The service's base URL, e.g. `http://127.0.0.1:8082` (a trailing `/` is ignored). */
  readonly url: string
  /** Where the contract is served under `url` (e.g. `ProjectsRpc.path`); unset: at `url` itself. */
  readonly path?: string | undefined
  /** The contract's wire format, the one its server uses (e.g. `ProjectsRpc.serialization`). */
  readonly serialization: Layer.Layer<RpcSerialization.RpcSerialization>
  /** Sent as `Authorization: Bearer <token>` with every call (e.g. a cluster's token). */
  readonly bearerToken?: string | undefined
  /** Calls made within `window` share one HTTP request, up to `maxSize` of them; unset: one request per call. */
  readonly batch?: { readonly window: Duration.Input; readonly maxSize: number } | undefined
  /** The HTTP client; unset: fetch. */
  readonly httpClient?: Layer.Layer<HttpClient.HttpClient> | undefined
}

/**
 * The gateway's batching: calls started in the same turn of the event loop share one HTTP request (up to 64): under
 * load, requests that resume together reach the service as one exchange, and a lone call waits for nothing (the
 * window closes at the scheduler's next turn). Each call keeps its own answer and errors.
 */
export const sameTurn = { window: 0, maxSize: 64 } as const

/** `url` and `path` joined, whatever slashes `url` ends with. */
export const endpointOf = (options: Pick<Options, "url" | "path">): string =>
  `${options.url.replace(/\/+$/, "")}${options.path ?? ""}`

/**
 * The RPC transport `options` describe. A defect the server answers an exchange with ends only that exchange's calls
 * (`ExchangeDefects`): a failure in one caller's request never fails another's.
 */
export const protocol = (options: Options): Layer.Layer<RpcClient.Protocol> => {
  const token = options.bearerToken
  const http = RpcClient.layerProtocolHttp({
    url: endpointOf(options),
    ...(token === undefined ? {} : { transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(token)) }),
    ...(options.batch === undefined ? {} : { batch: options.batch }),
  }).pipe(Layer.provide(options.serialization), Layer.provide(options.httpClient ?? FetchHttpClient.layer))
  return ExchangeDefects.layer(http)
}

/** A client of `group`, alive for the current scope. */
export const make = <Rpcs extends Rpc.Any>(group: RpcGroup.RpcGroup<Rpcs>, options: Options) =>
  RpcClient.make(group).pipe(Effect.provide(protocol(options)))

/** The layer of client service `tag` of `group`. */
export const layer = <I, Rpcs extends Rpc.Any>(
  tag: Context.Key<I, RpcClient.RpcClient<Rpcs, RpcClientError.RpcClientError>>,
  group: RpcGroup.RpcGroup<Rpcs>,
  options: Options,
) => Layer.effect(tag, RpcClient.make(group)).pipe(Layer.provide(protocol(options)))

/**
 * Another Starbase service could not be reached. Only which service and what went wrong are kept: the request,
 * which may hold a password or a variable's value, is not, so the defect can be logged safely.
 */
export class ServiceUnavailable extends Data.TaggedError("ServiceUnavailable")<{
  readonly service: string
  readonly message: string
}> {}

const isTransportFailure = (error: unknown): error is RpcClientError.RpcClientError =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "RpcClientError"

/**
 * A call to `service` whose transport failure is a defect (`ServiceUnavailable`: a 500 at the gateway, never a
 * misleading 4xx), keeping only the call's own errors.
 */
export const orDie =
  (service: string) =>
  <A, E, R>(effect: Effect.Effect<A, E | RpcClientError.RpcClientError, R>) =>
    Effect.catchIf(effect, isTransportFailure, (error) =>
      Effect.die(
        new ServiceUnavailable({ service, message: `the ${service} service did not answer (${error.reason._tag})` }),
      ),
    ) as Effect.Effect<A, Exclude<E, RpcClientError.RpcClientError>, R>
