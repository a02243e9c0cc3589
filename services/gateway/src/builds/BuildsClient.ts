import { BuildsRpc } from "@starform/domain"
import { ServiceClient } from "@starform/rpc"
import { Context, Effect, Layer } from "effect"
import * as ServiceRpc from "../rpc/ServiceRpc.ts"

/**
 * The gateway's only way to the builds service (builds, their logs, GitHub installations and webhook deliveries):
 * its RPC contract over HTTP. A transport failure is a defect here, answered 500, never a misleading 4xx.
 */
export class BuildsClient extends Context.Service<BuildsClient, ServiceClient.Client<typeof BuildsRpc.BuildsRpcs>>()(
  "starform/gateway/BuildsClient",
) {
  /** A client of the builds service at `baseUrl` (e.g. `http://127.0.0.1:8083`). */
  static readonly layer = (baseUrl: string) =>
    ServiceClient.layer(
      BuildsClient,
      BuildsRpc.BuildsRpcs,
      ServiceRpc.options(baseUrl, BuildsRpc.path, BuildsRpc.serialization),
    )
}

/** Where the builds service listens: `BUILDS_URL`, else its default port on this machine. */
export const BuildsUrl = Context.Reference<string>("starform/gateway/BuildsUrl", {
  defaultValue: () => process.env.BUILDS_URL ?? "http://127.0.0.1:8083",
})

/** The client of the service at `BuildsUrl`. */
export const layerFromUrl = Layer.unwrap(Effect.map(BuildsUrl, BuildsClient.layer))

/** A builds call whose transport failure is a defect (a 500), keeping only the call's own errors. */
export const call = ServiceClient.orDie("builds")
