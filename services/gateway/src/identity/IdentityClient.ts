import { IdentityRpc } from "@starform/domain"
import { Context, Layer } from "effect"
import { RpcClient, type RpcClientError } from "effect/rpc"
import * as ServiceRpc from "../rpc/ServiceRpc.ts"

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
      Layer.provide(ServiceRpc.protocol(url, IdentityRpc.serialization)),
    )
}

/** An identity call whose transport failure is a defect (a 500), keeping only the call's own errors. */
export const call = ServiceRpc.call("identity")
