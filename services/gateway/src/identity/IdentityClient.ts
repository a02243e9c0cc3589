import { IdentityRpc } from "@starform/domain"
import { ServiceClient } from "@starform/rpc"
import { Context } from "effect"
import * as ServiceRpc from "../rpc/ServiceRpc.ts"

/**
 * The gateway's only way to the identity service: its RPC contract over HTTP. A transport failure (identity down)
 * is a defect here, so a request that needed identity answers 500 rather than a wrong 4xx.
 */
export class IdentityClient extends Context.Service<
  IdentityClient,
  ServiceClient.Client<typeof IdentityRpc.IdentityRpcs>
>()("starform/gateway/IdentityClient") {
  /** A client of the identity service at `url` (its RPC endpoint itself, e.g. `http://127.0.0.1:8081/rpc`). */
  static readonly layer = (url: string) =>
    ServiceClient.layer(
      IdentityClient,
      IdentityRpc.IdentityRpcs,
      ServiceRpc.options(url, "", IdentityRpc.serialization),
    )
}

/** An identity call whose transport failure is a defect (a 500), keeping only the call's own errors. */
export const call = ServiceRpc.call("identity")
