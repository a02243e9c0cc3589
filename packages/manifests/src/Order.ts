import type { KubeObject, ObjectRef } from "./Object.ts"

/**
 * The order objects are applied in (ARCHITECTURE §4): what others depend on first — namespaces, policies, secrets,
 * volumes, services, workloads, autoscalers, routes. Pruning goes in reverse, so a route disappears before its
 * Service and a workload before its Secret.
 */
export const kinds = [
  "Namespace",
  "NetworkPolicy",
  "Secret",
  "ConfigMap",
  "PersistentVolumeClaim",
  "Service",
  "Deployment",
  "CronJob",
  "HorizontalPodAutoscaler",
  "HTTPRoute",
] as const

export type Kind = (typeof kinds)[number]

export const rank = (kind: string): number => {
  const index = kinds.indexOf(kind as Kind)
  return index === -1 ? kinds.length : index
}

// Code-point order: the same on every machine, whatever its locale.
const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const compare = (a: Pick<ObjectRef, "kind" | "namespace" | "name">, b: typeof a): number =>
  rank(a.kind) - rank(b.kind) || text(a.namespace, b.namespace) || text(a.name, b.name)

const asRef = (object: KubeObject) => ({
  kind: object.kind,
  namespace: object.metadata.namespace ?? "",
  name: object.metadata.name,
})

/** `objects` in apply order (then by namespace and name, so the order never depends on how they were gathered). */
export const forApply = <O extends KubeObject>(objects: ReadonlyArray<O>): ReadonlyArray<O> =>
  [...objects].sort((a, b) => compare(asRef(a), asRef(b)))

/** `refs` in prune order: the reverse of apply order. */
export const forPrune = <R extends ObjectRef>(refs: ReadonlyArray<R>): ReadonlyArray<R> =>
  [...refs].sort((a, b) => compare(b, a))
