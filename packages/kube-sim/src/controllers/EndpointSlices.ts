import { matches } from "../apiserver/Selectors.ts"
import type { StoreEvent } from "../apiserver/Store.ts"
import { deepEqual, isObject, type JsonObject } from "../Json.ts"
import { type KObject, ownerRef, randomSuffix } from "../Objects.ts"
import { type Context, controllerManager, isTerminal, list, podReady, spec, status, str } from "./Context.ts"
import { type Controller, nsKey, splitKey } from "./Runner.ts"

const managedBy = "endpointslice-controller.k8s.io"
const maxEndpoints = 100

type Port = {
  name: string
  port: number
  protocol: string
}

/** The service ports as this pod serves them: a named targetPort is looked up in the pod's container ports. */
const resolvePorts = (service: KObject, pod: KObject): Port[] | undefined => {
  const out: Port[] = []
  for (const raw of list(spec(service).ports)) {
    if (!isObject(raw)) continue
    const target = raw.targetPort ?? raw.port
    let port: number | undefined
    if (typeof target === "number") port = target
    else if (typeof target === "string") {
      for (const c of list(spec(pod).containers))
        for (const p of list(isObject(c) ? c.ports : undefined))
          if (isObject(p) && p.name === target && typeof p.containerPort === "number") port = p.containerPort
    }
    if (port === undefined) return undefined
    out.push({ name: str(raw.name) ?? "", port, protocol: str(raw.protocol) ?? "TCP" })
  }
  return out
}

/**
 * The EndpointSlice controller: for each Service with a selector, slices listing every matching pod that has an IP,
 * with the ready, serving and terminating conditions a load balancer routes by.
 */
export class EndpointSlices implements Controller {
  readonly name = "endpointslice-controller"
  readonly triggers: Controller["triggers"]

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    const servicesFor = (event: StoreEvent): string[] => {
      const out = new Set<string>()
      for (const pod of [event.object, event.old]) {
        if (!pod) continue
        for (const service of ctx.cluster.store.list(ctx.types.services, pod.metadata.namespace)) {
          const selector = spec(service).selector
          if (!isObject(selector) || Object.keys(selector).length === 0) continue
          const reqs = Object.entries(selector).map(([key, value]) => ({
            key,
            operator: "=" as const,
            values: [String(value)],
          }))
          if (matches(reqs, pod.metadata.labels)) out.add(nsKey(service))
        }
      }
      return [...out]
    }
    this.triggers = [
      { resource: ctx.types.services, keys: (event) => [nsKey(event.object)] },
      { resource: ctx.types.pods, keys: servicesFor },
      {
        resource: ctx.types.endpointSlices,
        keys: (event) => {
          const service = event.object.metadata.labels?.["kubernetes.io/service-name"]
          return service && event.object.metadata.labels?.["endpointslice.kubernetes.io/managed-by"] === managedBy
            ? [`${event.object.metadata.namespace ?? ""}/${service}`]
            : []
        },
      },
    ]
  }

  sync(key: string): void {
    const { cluster, types } = this.ctx
    const [namespace, name] = splitKey(key)
    const service = cluster.find(types.services, namespace, name)
    const existing = cluster.store
      .list(types.endpointSlices, namespace)
      .filter(
        (slice) =>
          slice.metadata.labels?.["kubernetes.io/service-name"] === name &&
          slice.metadata.labels?.["endpointslice.kubernetes.io/managed-by"] === managedBy,
      )
      .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))
    const selector = service ? spec(service).selector : undefined
    if (!service || service.metadata.deletionTimestamp || !isObject(selector) || Object.keys(selector).length === 0) {
      if (!service || service.metadata.deletionTimestamp)
        for (const slice of existing) cluster.delete(types.endpointSlices, namespace, slice.metadata.name ?? "")
      return
    }
    const reqs = Object.entries(selector).map(([k, v]) => ({ key: k, operator: "=" as const, values: [String(v)] }))
    const pods = cluster.store
      .list(types.pods, namespace)
      .filter((pod) => matches(reqs, pod.metadata.labels) && status(pod).podIP && !isTerminal(pod))
      .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))
    const groups = new Map<string, { ports: Port[]; endpoints: JsonObject[] }>()
    for (const pod of pods) {
      const ports = resolvePorts(service, pod)
      if (!ports) continue
      const signature = JSON.stringify(ports)
      const group = groups.get(signature) ?? { ports, endpoints: [] }
      const terminating = pod.metadata.deletionTimestamp !== undefined
      const ready = podReady(pod)
      group.endpoints.push({
        addresses: [str(status(pod).podIP) ?? ""],
        conditions: { ready: ready && !terminating, serving: ready, terminating },
        nodeName: str(spec(pod).nodeName) ?? "",
        targetRef: { kind: "Pod", namespace: namespace, name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "" },
        zone: "sim-zone-a",
      })
      groups.set(signature, group)
    }
    const wanted: Array<{ ports: Port[]; endpoints: JsonObject[] }> = []
    for (const group of groups.values())
      for (let i = 0; i < group.endpoints.length; i += maxEndpoints)
        wanted.push({ ports: group.ports, endpoints: group.endpoints.slice(i, i + maxEndpoints) })
    // A service selecting nothing still has one (empty) slice, as the real controller keeps.
    if (wanted.length === 0) {
      const fallback =
        resolvePorts(service, { apiVersion: "v1", kind: "Pod", metadata: {}, spec: { containers: [] } }) ?? []
      wanted.push({ ports: fallback, endpoints: [] })
    }
    const labels: Record<string, string> = {
      ...service.metadata.labels,
      "kubernetes.io/service-name": name,
      "endpointslice.kubernetes.io/managed-by": managedBy,
    }
    wanted.forEach((slice, i) => {
      const current = existing[i]
      const body: KObject = {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: {
          ...(current
            ? { name: current.metadata.name ?? "" }
            : { name: `${name.slice(0, 57)}-${randomSuffix()}`, generateName: `${name.slice(0, 57)}-` }),
          namespace,
          labels,
          annotations: { "endpoints.kubernetes.io/last-change-trigger-time": this.ctx.clock.iso() },
          ownerReferences: [ownerRef(service)],
        },
        addressType: "IPv4",
        endpoints: slice.endpoints,
        ports: slice.ports,
      }
      if (!current) {
        cluster.create(types.endpointSlices, namespace, body, { manager: controllerManager })
        return
      }
      if (
        deepEqual(current.endpoints, body.endpoints) &&
        deepEqual(current.ports, body.ports) &&
        deepEqual(current.metadata.labels, labels)
      )
        return
      cluster.update(
        types.endpointSlices,
        namespace,
        current.metadata.name ?? "",
        {
          ...body,
          metadata: { ...current.metadata, ...body.metadata },
        },
        { manager: controllerManager },
      )
    })
    for (const slice of existing.slice(wanted.length))
      cluster.delete(types.endpointSlices, namespace, slice.metadata.name ?? "")
  }
}
