import type { IHTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute"
import type { DesiredState } from "@starform/domain"
import * as Labels from "./Labels.ts"
import * as Names from "./Names.ts"
import type { Options } from "./Options.ts"

/**
 * A public web service's HTTPRoute on the cluster's Envoy Gateway: its hostnames to its stable Service. Null for a
 * private service, and for a public one with no hostname yet (a route without hostnames would take every host).
 */
export const render = (
  service: DesiredState.ServiceState,
  options: Options,
): (IHTTPRoute & { metadata: { name: string; namespace: string } }) | null => {
  if (service.type !== "web" || !service.isPublic || service.domains.length === 0 || service.port === null) return null
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: Names.service(service), namespace: service.namespace, labels: Labels.ofService(service) },
    spec: {
      parentRefs: [
        {
          group: "gateway.networking.k8s.io",
          kind: "Gateway",
          namespace: options.gateway.namespace,
          name: options.gateway.name,
        },
      ],
      hostnames: [...service.domains],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [{ group: "", kind: "Service", name: Names.service(service), port: service.port, weight: 1 }],
        },
      ],
    },
  }
}
