import type { DesiredState } from "@starform/domain"
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy"
import * as Labels from "./Labels.ts"
import * as Names from "./Names.ts"
import type { Options } from "./Options.ts"

type Rendered = INetworkPolicy & { metadata: { name: string; namespace: string } }

/**
 * An environment's isolation: its pods accept traffic only from pods of the same namespace. Other environments, of
 * the same project or any other, are refused.
 */
export const isolation = (environment: DesiredState.EnvironmentState): Rendered => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: {
    name: Names.isolationPolicy,
    namespace: environment.namespace,
    labels: Labels.ofEnvironment(environment),
  },
  spec: {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ podSelector: {} }] }],
  },
})

/**
 * A public web service also accepts the gateway's namespace, on its port only. Null for private services: they
 * stay reachable only inside their environment.
 */
export const fromGateway = (service: DesiredState.ServiceState, options: Options): Rendered | null => {
  if (service.type !== "web" || !service.isPublic || service.port === null) return null
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: Names.gatewayPolicy(service), namespace: service.namespace, labels: Labels.ofService(service) },
    spec: {
      podSelector: { matchLabels: { [Labels.serviceId]: service.serviceId } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": options.gateway.namespace } } }],
          ports: [{ protocol: "TCP", port: service.port }],
        },
      ],
    },
  }
}
