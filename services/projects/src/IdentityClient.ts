import { NodeHttpClient } from "@effect/platform-node"
import { IdentityRpc } from "@starform/domain"
import { ServiceClient } from "@starform/rpc"
import { Context } from "effect"

/**
 * The projects service's way to the identity service, which owns workspaces (their plan) and the audit log: its RPC
 * contract over HTTP. Calls started in the same turn of the event loop share one HTTP request (the plans of several
 * workspaces are asked for together).
 */
export class IdentityClient extends Context.Service<
  IdentityClient,
  ServiceClient.Client<typeof IdentityRpc.IdentityRpcs>
>()("starform/projects/IdentityClient") {
  /** A client of the identity service at `url` (its RPC endpoint itself, e.g. `http://127.0.0.1:8081/rpc`). */
  static readonly layer = (url: string) =>
    ServiceClient.layer(IdentityClient, IdentityRpc.IdentityRpcs, {
      url,
      serialization: IdentityRpc.serialization,
      batch: ServiceClient.sameTurn,
      httpClient: NodeHttpClient.layerUndici,
    })
}
