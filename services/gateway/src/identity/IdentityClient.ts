import { NodeHttpClient } from "@effect/platform-node"
import { IdentityRpc } from "@starform/domain"
import { Context, Data, Effect, Layer } from "effect"
import { RpcClient, type RpcClientError, RpcSerialization } from "effect/rpc"

/**
 * The gateway's only way to the identity service: its RPC contract over HTTP. A transport failure (identity down)
 * is a defect here, so a request that needed identity answers 500 rather than a wrong 4xx.
 */
export class IdentityClient extends Context.Service<
  IdentityClient,
  RpcClient.FromGroup<typeof IdentityRpc.IdentityRpcs, RpcClientError.RpcClientError>
>()("starform/gateway/IdentityClient") {
  /** A client of the identity service at `url` (its RPC endpoint, e.g. `http://127.0.0.1:8081/rpc`). */
  static readonly layer = (url: string) =>
    Layer.effect(IdentityClient, RpcClient.make(IdentityRpc.IdentityRpcs)).pipe(
      Layer.provide(RpcClient.layerProtocolHttp({ url })),
      Layer.provide(RpcSerialization.layerNdjson),
      Layer.provide(NodeHttpClient.layerUndici),
    )
}

/** Identity could not be reached. Only what went wrong is kept: the request (which may hold a password) is not. */
export class IdentityUnavailable extends Data.TaggedError("IdentityUnavailable")<{ readonly message: string }> {}

/** An identity call whose transport failure is a defect (a 500), keeping only the call's own errors. */
export const call = <A, E, R>(effect: Effect.Effect<A, E | RpcClientError.RpcClientError, R>) =>
  Effect.catchIf(
    effect,
    (error): error is RpcClientError.RpcClientError =>
      typeof error === "object" && error !== null && "_tag" in error && error._tag === "RpcClientError",
    (error) =>
      Effect.die(new IdentityUnavailable({ message: `the identity service did not answer (${error.reason._tag})` })),
  ) as Effect.Effect<A, Exclude<E, RpcClientError.RpcClientError>, R>
