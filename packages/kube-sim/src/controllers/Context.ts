import type { Cluster } from "../apiserver/Cluster.ts"
import type { ResourceType } from "../apiserver/Registry.ts"
import type { Behaviors } from "../Behaviors.ts"
import type { SimClock } from "../Clock.ts"
import { deepEqual, isObject, type Json, type JsonObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import type { Scheduler } from "./Runner.ts"

/** What every simulated controller works with. */
export interface Context {
  readonly cluster: Cluster
  readonly clock: SimClock
  readonly scheduler: Scheduler
  readonly behaviors: Behaviors
  readonly types: Types
  /** Simulated metrics per HPA target: utilization in percent of requests. */
  readonly metrics: Metrics
  readonly timing: Timing
}

export interface Timing {
  /** How long the CSI driver takes to provision a volume. */
  readonly provisionMs: number
  /** How often the HPA controller re-evaluates. */
  readonly hpaSyncMs: number
}

export interface Metrics {
  get(namespace: string, target: string): { readonly cpu?: number; readonly memory?: number } | undefined
}

export interface Types {
  readonly namespaces: ResourceType
  readonly pods: ResourceType
  readonly services: ResourceType
  readonly nodes: ResourceType
  readonly pvcs: ResourceType
  readonly pvs: ResourceType
  readonly storageClasses: ResourceType
  readonly deployments: ResourceType
  readonly replicaSets: ResourceType
  readonly endpointSlices: ResourceType
  readonly jobs: ResourceType
  readonly cronJobs: ResourceType
  readonly hpas: ResourceType
  readonly httpRoutes: ResourceType
  readonly gateways: ResourceType
  readonly gatewayClasses: ResourceType
  readonly referenceGrants: ResourceType
}

export const typesOf = (cluster: Cluster): Types => ({
  namespaces: cluster.resource("v1", "Namespace"),
  pods: cluster.resource("v1", "Pod"),
  services: cluster.resource("v1", "Service"),
  nodes: cluster.resource("v1", "Node"),
  pvcs: cluster.resource("v1", "PersistentVolumeClaim"),
  pvs: cluster.resource("v1", "PersistentVolume"),
  storageClasses: cluster.resource("storage.k8s.io/v1", "StorageClass"),
  deployments: cluster.resource("apps/v1", "Deployment"),
  replicaSets: cluster.resource("apps/v1", "ReplicaSet"),
  endpointSlices: cluster.resource("discovery.k8s.io/v1", "EndpointSlice"),
  jobs: cluster.resource("batch/v1", "Job"),
  cronJobs: cluster.resource("batch/v1", "CronJob"),
  hpas: cluster.resource("autoscaling/v2", "HorizontalPodAutoscaler"),
  httpRoutes: cluster.resource("gateway.networking.k8s.io/v1", "HTTPRoute"),
  gateways: cluster.resource("gateway.networking.k8s.io/v1", "Gateway"),
  gatewayClasses: cluster.resource("gateway.networking.k8s.io/v1", "GatewayClass"),
  referenceGrants: cluster.resource("gateway.networking.k8s.io/v1beta1", "ReferenceGrant"),
})

export const field = (obj: KObject | JsonObject | undefined, name: string): JsonObject => {
  const value = obj === undefined ? undefined : (obj as Record<string, unknown>)[name]
  return isObject(value as Json) ? (value as JsonObject) : {}
}

export const spec = (obj: KObject | undefined): JsonObject => field(obj, "spec")
export const status = (obj: KObject | undefined): JsonObject => field(obj, "status")

export const num = (value: unknown, fallback = 0): number => (typeof value === "number" ? value : fallback)
export const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)
export const list = (value: unknown): Json[] => (Array.isArray(value) ? value : [])

/** Writes `next` as the object's status through `/status` when it differs; returns the stored object. */
export const writeStatus = (
  ctx: Context,
  type: ResourceType,
  obj: KObject,
  next: JsonObject,
  manager: string,
): KObject => {
  if (deepEqual(obj.status, next)) return obj
  return ctx.cluster.update(
    type,
    obj.metadata.namespace,
    obj.metadata.name ?? "",
    { ...obj, status: next },
    { manager, scope: "status" },
  )
}

/** Writes `next` (a changed copy of the stored object) through the main resource when it differs. */
export const writeObject = (
  ctx: Context,
  type: ResourceType,
  obj: KObject,
  next: KObject,
  manager: string,
): KObject => {
  if (deepEqual(obj, next)) return obj
  return ctx.cluster.update(type, obj.metadata.namespace, obj.metadata.name ?? "", next, { manager })
}

export const controllerManager = "kube-controller-manager"

/** `25%` of 10 rounded up (surge) or down (unavailable), as intstr.GetScaledValueFromIntOrPercent does. */
export const scaled = (value: unknown, total: number, roundUp: boolean): number => {
  if (typeof value === "number") return value
  if (typeof value === "string" && value.endsWith("%")) {
    const percent = Number.parseInt(value, 10)
    const exact = (percent * total) / 100
    return roundUp ? Math.ceil(exact) : Math.floor(exact)
  }
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value)
  return 0
}

export const podReady = (pod: KObject): boolean =>
  list(status(pod).conditions).some((c) => isObject(c) && c.type === "Ready" && c.status === "True")

export const readySince = (pod: KObject): number | undefined => {
  const condition = list(status(pod).conditions).find((c) => isObject(c) && c.type === "Ready" && c.status === "True")
  if (!isObject(condition) || typeof condition.lastTransitionTime !== "string") return undefined
  return Date.parse(condition.lastTransitionTime)
}

export const isTerminal = (pod: KObject): boolean => {
  const phase = status(pod).phase
  return phase === "Succeeded" || phase === "Failed"
}

/** Active as the ReplicaSet and Job controllers count: not finished, not being deleted. */
export const isActive = (pod: KObject): boolean => !isTerminal(pod) && !pod.metadata.deletionTimestamp

export const ownedBy = (ctx: Context, owner: KObject, type: ResourceType): KObject[] =>
  ctx.cluster.store
    .dependents(owner.metadata.uid ?? "")
    .filter((d) => d.resource === type)
    .map((d) => d.object)
    .filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid && r.controller === true))
