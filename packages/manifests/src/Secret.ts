import type { DesiredState } from "@starform/domain"
import type { ISecret } from "kubernetes-models/v1/Secret"
import * as Labels from "./Labels.ts"
import * as Names from "./Names.ts"

/**
 * A service's variables as a Secret its pods load whole (`envFrom`). Values go in `data` (base64), which is what
 * the API server returns, so comparing with the live object needs no decoding; keys are sorted.
 */
export const render = (
  service: DesiredState.ServiceState,
): ISecret & { metadata: { name: string; namespace: string } } => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: Names.variables(service), namespace: service.namespace, labels: Labels.ofService(service) },
  type: "Opaque",
  data: Object.fromEntries(
    Object.entries(service.variables)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => [key, Buffer.from(value, "utf8").toString("base64")]),
  ),
})
