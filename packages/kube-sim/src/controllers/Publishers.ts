import type { KObject } from "../Objects.ts"
import { type Context, controllerManager } from "./Context.ts"
import type { Controller } from "./Runner.ts"

const rootCa =
  "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHBfpegPjMCMA0GCSqGSIb3DQEBCwUAMBQxEjAQBgNVBAMMCWt1\nYmUtc2ltMB4XDTI1MDEwMTAwMDAwMFoXDTM1MDEwMTAwMDAwMFowFDESMBAGA1UE\nAwwJa3ViZS1zaW0wXDANBgkqhkiG9w0BAQEFAANLADBIAkEAsim\n-----END CERTIFICATE-----\n"

/**
 * What every new namespace gets without anyone asking: the `default` ServiceAccount and the `kube-root-ca.crt`
 * ConfigMap. Objects nobody applied, which a pruner must leave alone.
 */
export class Publishers implements Controller {
  readonly name = "namespace-publishers"
  readonly triggers: Controller["triggers"]

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    this.triggers = [
      {
        resource: ctx.types.namespaces,
        keys: (event) => (event.type === "DELETED" ? [] : [event.object.metadata.name ?? ""]),
      },
      {
        resource: ctx.cluster.resource("v1", "ServiceAccount"),
        keys: (event) =>
          event.type === "DELETED" && event.object.metadata.name === "default"
            ? [event.object.metadata.namespace ?? ""]
            : [],
      },
      {
        resource: ctx.cluster.resource("v1", "ConfigMap"),
        keys: (event) =>
          event.type === "DELETED" && event.object.metadata.name === "kube-root-ca.crt"
            ? [event.object.metadata.namespace ?? ""]
            : [],
      },
    ]
  }

  sync(namespace: string): void {
    const { cluster, types } = this.ctx
    const ns = cluster.find(types.namespaces, undefined, namespace)
    if (!ns || ns.metadata.deletionTimestamp) return
    const sa = cluster.resource("v1", "ServiceAccount")
    const cm = cluster.resource("v1", "ConfigMap")
    if (!cluster.find(sa, namespace, "default")) {
      const body: KObject = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace } }
      cluster.create(sa, namespace, body, { manager: controllerManager })
    }
    if (!cluster.find(cm, namespace, "kube-root-ca.crt")) {
      const body: KObject = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "kube-root-ca.crt",
          namespace,
          annotations: {
            "kubernetes.io/description":
              "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.",
          },
        },
        data: { "ca.crt": rootCa },
      }
      cluster.create(cm, namespace, body, { manager: controllerManager })
    }
  }
}
