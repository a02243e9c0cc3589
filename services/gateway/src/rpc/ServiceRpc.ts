import { NodeHttpClient } from "@effect/platform-node"
import { ServiceClient, TrustedAnswers } from "@starform/rpc"
import type { Layer } from "effect"
import type { RpcSerialization } from "effect/rpc"

/**
 * The gateway's settings of `@starform/rpc`'s `ServiceClient`: undici's HTTP client, same-turn batching
 * (`ServiceClient.sameTurn`: calls that resume together share one HTTP request, a lone call waits for nothing), and
 * the services' answers trusted (`TrustedAnswers`: they validated what they encoded; the gateway does not check it
 * again, while what it receives from the public is decoded in full at its edge).
 */
export const options = (
  url: string,
  path: string,
  serialization: Layer.Layer<RpcSerialization.RpcSerialization>,
): ServiceClient.Options => ({
  url,
  path,
  serialization: TrustedAnswers.layer(serialization),
  batch: ServiceClient.sameTurn,
  httpClient: NodeHttpClient.layerUndici,
})

/** A call to `service` whose transport failure is a defect (a 500), keeping only the call's own errors. */
export const call = ServiceClient.orDie
