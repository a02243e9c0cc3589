import { NodeHttpClient } from "@effect/platform-node"
import { IdentityRpc } from "@starform/domain"
import { Context, Layer } from "effect"
import { RpcClient, type RpcClientError } from "effect/rpc"

/**
 * The projects service's way to the identity service, which owns workspaces (their plan) and the audit log: its RPC
 * contract over HTTP. Calls started in the same turn of the event loop share one HTTP request (the plans of several
 * workspaces are asked for together).
 */
export class IdentityClient extends Context.Service<
  IdentityClient,
  RpcClient.FromGroup<typeof IdentityRpc.IdentityRpcs, RpcClientError.RpcClientError>
>()("starform/projects/IdentityClient") {
  /** A client of the identity service at `url` (its RPC endpoint, e.g. `http://127.0.0.1:8081/rpc`). */
  static readonly layer = (url: string) =>
    Layer.effect(IdentityClient, RpcClient.make(IdentityRpc.IdentityRpcs)).pipe(
      Layer.provide(RpcClient.layerProtocolHttp({ url, batch: { window: 0, maxSize: 64 } })),
      Layer.provide(IdentityRpc.serialization),
      Layer.provide(NodeHttpClient.layerUndici),
    )
}
