import * as k8s from "@kubernetes/client-node"
import type { Simulator } from "../../src/index.ts"

/** The real client-node, configured the way a controller would be, against a running simulator. */
export const clients = (sim: Simulator) => {
  const kc = new k8s.KubeConfig()
  kc.loadFromOptions(sim.kubeConfig)
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    batch: kc.makeApiClient(k8s.BatchV1Api),
    discovery: kc.makeApiClient(k8s.DiscoveryV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
  }
}

/** The kubeconfig's credentials (a cluster admin), for requests made without the client. */
export const adminHeader = (sim: Simulator): Record<string, string> => ({
  Authorization: `Bearer ${sim.kubeConfig.users[0]!.token}`,
})

/** Plain HTTP against the simulator, for verbs the client has no method for (apply bodies, raw paths). */
export const raw = async (
  sim: Simulator,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field
): Promise<{ status: number; body: any; text: string }> => {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { ...adminHeader(sim), ...(body === undefined ? {} : { "Content-Type": contentType }) },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  })
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  return { status: response.status, body: parsed, text }
}

/** `ApiException.body` is the Status object as a JSON string. */
// biome-ignore lint/suspicious/noExplicitAny: details differ per reason
export const statusOf = (error: unknown): { code: number; reason: string; message: string; details?: any } => {
  const e = error as k8s.ApiException<string>
  return { code: e.code, ...(JSON.parse(e.body) as { reason: string; message: string; details?: unknown }) }
}

export const failure = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    return statusOf(error)
  }
  throw new Error("expected the request to fail")
}

export const deployment = (
  namespace: string,
  name: string,
  options: {
    replicas?: number
    image?: string
    maxSurge?: number | string
    maxUnavailable?: number | string
    minReadySeconds?: number
    progressDeadlineSeconds?: number
    readiness?: boolean
    strategy?: "RollingUpdate" | "Recreate"
    port?: number
  } = {},
): k8s.V1Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace, labels: { app: name } },
  spec: {
    replicas: options.replicas ?? 3,
    selector: { matchLabels: { app: name } },
    ...(options.minReadySeconds !== undefined ? { minReadySeconds: options.minReadySeconds } : {}),
    ...(options.progressDeadlineSeconds !== undefined
      ? { progressDeadlineSeconds: options.progressDeadlineSeconds }
      : {}),
    strategy:
      options.strategy === "Recreate"
        ? { type: "Recreate" }
        : {
            type: "RollingUpdate",
            rollingUpdate: { maxSurge: options.maxSurge ?? 1, maxUnavailable: options.maxUnavailable ?? 0 },
          },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          {
            name: "app",
            image: options.image ?? "registry.example/app:v1",
            ports: [{ name: "http", containerPort: options.port ?? 8080 }],
            ...(options.readiness === false
              ? {}
              : { readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 2 } }),
          },
        ],
      },
    },
  },
})

export const service = (namespace: string, name: string, selector: Record<string, string>): k8s.V1Service => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace },
  spec: { selector, ports: [{ name: "http", port: 80, targetPort: "http" }] },
})

/** A JSON document read in a test, field by field. */
// biome-ignore lint/suspicious/noExplicitAny: tests walk arbitrary response JSON and assert on what they find
export type Doc = any
