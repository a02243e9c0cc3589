import { matchesLabelSelector } from "../apiserver/Selectors.ts"
import { isObject, type JsonObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import { type Context, list, spec, status, str, writeStatus } from "./Context.ts"
import { type Controller, nsKey, splitKey } from "./Runner.ts"

export const gatewayController = "gateway.envoyproxy.io/gatewayclass-controller"
const manager = "envoy-gateway"

const hostMatches = (listener: string | undefined, route: string): boolean => {
  if (!listener) return true
  if (listener === route) return true
  if (listener.startsWith("*.")) return route.endsWith(listener.slice(1))
  if (route.startsWith("*.")) return listener.endsWith(route.slice(1))
  return false
}

/**
 * Envoy Gateway as far as route status goes: GatewayClasses with its controller name are Accepted, their Gateways
 * Accepted and Programmed with an address, and every HTTPRoute gets `status.parents` per Gateway it names:
 * Accepted (or why not: NotAllowedByListeners, NoMatchingListenerHostname, NoMatchingParent) and ResolvedRefs
 * (or BackendNotFound, RefNotPermitted).
 */
export class Gateways implements Controller {
  readonly name = "envoy-gateway"
  readonly triggers: Controller["triggers"]

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    const allRoutes = () => ctx.cluster.store.list(ctx.types.httpRoutes).map((r) => `route:${nsKey(r)}`)
    this.triggers = [
      {
        resource: ctx.types.httpRoutes,
        keys: (event) => {
          // A route's status decides the attachedRoutes count of the Gateways it names: recounted a moment
          // later, once for a burst of routes rather than once per route.
          for (const ref of list(spec(event.object).parentRefs).filter(isObject))
            ctx.scheduler.requeueAt(
              this.name,
              `gateway:${str(ref.namespace) ?? event.object.metadata.namespace ?? ""}/${str(ref.name) ?? ""}`,
              ctx.clock.now() + 1000,
            )
          return [`route:${nsKey(event.object)}`]
        },
      },
      {
        resource: ctx.types.services,
        keys: (event) =>
          ctx.cluster.store.list(ctx.types.httpRoutes, event.object.metadata.namespace).map((r) => `route:${nsKey(r)}`),
      },
      { resource: ctx.types.gateways, keys: (event) => [`gateway:${nsKey(event.object)}`, ...allRoutes()] },
      {
        resource: ctx.types.gatewayClasses,
        keys: (event) => [`class:${event.object.metadata.name ?? ""}`, ...allRoutes()],
      },
      { resource: ctx.types.referenceGrants, keys: () => allRoutes() },
      { resource: ctx.types.namespaces, keys: () => allRoutes() },
    ]
  }

  sync(key: string): void {
    const colon = key.indexOf(":")
    const kind = key.slice(0, colon)
    const rest = key.slice(colon + 1)
    if (kind === "class") this.syncClass(rest)
    else if (kind === "gateway") this.syncGateway(rest)
    else this.syncRoute(rest)
  }

  private ours(gateway: KObject): KObject | undefined {
    const className = str(spec(gateway).gatewayClassName) ?? ""
    const gc = this.ctx.cluster.find(this.ctx.types.gatewayClasses, undefined, className)
    return gc && spec(gc).controllerName === gatewayController ? gc : undefined
  }

  private syncClass(name: string) {
    const gc = this.ctx.cluster.find(this.ctx.types.gatewayClasses, undefined, name)
    if (!gc || spec(gc).controllerName !== gatewayController) return
    const now = this.ctx.clock.iso()
    writeStatus(
      this.ctx,
      this.ctx.types.gatewayClasses,
      gc,
      {
        conditions: [
          {
            type: "Accepted",
            status: "True",
            reason: "Accepted",
            message: "Valid GatewayClass",
            observedGeneration: gc.metadata.generation ?? 1,
            lastTransitionTime: previousTime(gc, "Accepted", "True") ?? now,
          },
        ],
      },
      manager,
    )
  }

  private syncGateway(key: string) {
    const [namespace, name] = splitKey(key)
    const gateway = this.ctx.cluster.find(this.ctx.types.gateways, namespace, name)
    if (!gateway || !this.ours(gateway)) return
    const now = this.ctx.clock.iso()
    const generation = gateway.metadata.generation ?? 1
    const condition = (type: string, reason: string, message: string) => ({
      type,
      status: "True",
      reason,
      message,
      observedGeneration: generation,
      lastTransitionTime: previousTime(gateway, type, "True") ?? now,
    })
    const routes = this.ctx.cluster.store.list(this.ctx.types.httpRoutes)
    const listeners = list(spec(gateway).listeners)
      .filter(isObject)
      .map((l) => ({
        name: str(l.name) ?? "",
        supportedKinds: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }],
        attachedRoutes: routes.filter((route) =>
          list(status(route).parents).some(
            (p) =>
              isObject(p) &&
              isObject(p.parentRef) &&
              p.parentRef.name === name &&
              (str(p.parentRef.namespace) ?? route.metadata.namespace) === namespace &&
              (p.parentRef.sectionName === undefined || p.parentRef.sectionName === l.name) &&
              list(p.conditions).some((c) => isObject(c) && c.type === "Accepted" && c.status === "True"),
          ),
        ).length,
        conditions: [
          condition("Programmed", "Programmed", "Sending translated listener configuration to the data plane"),
          condition("Accepted", "Accepted", "Listener has been successfully translated"),
          condition("ResolvedRefs", "ResolvedRefs", "Listener references have been resolved"),
        ],
      }))
    writeStatus(
      this.ctx,
      this.ctx.types.gateways,
      gateway,
      {
        addresses: [{ type: "IPAddress", value: "203.0.113.10" }],
        conditions: [
          condition("Accepted", "Accepted", "The Gateway has been scheduled by Envoy Gateway"),
          condition("Programmed", "Programmed", "Address assigned to the Gateway, 1/1 envoy replicas available"),
        ],
        listeners,
      },
      manager,
    )
  }

  private syncRoute(key: string) {
    const { cluster, types, clock } = this.ctx
    const [namespace, name] = splitKey(key)
    const route = cluster.find(types.httpRoutes, namespace, name)
    if (!route) return
    const now = clock.iso()
    const generation = route.metadata.generation ?? 1
    const hostnames = list(spec(route).hostnames).map(String)
    const resolved = this.resolveRefs(route)
    const parents: JsonObject[] = []
    for (const raw of list(spec(route).parentRefs)) {
      if (!isObject(raw)) continue
      if ((str(raw.kind) ?? "Gateway") !== "Gateway") continue
      const gwNamespace = str(raw.namespace) ?? namespace
      const gateway = cluster.find(types.gateways, gwNamespace, str(raw.name) ?? "")
      // Envoy Gateway only speaks for Gateways of its own classes; a route naming another gets no word from it.
      if (gateway && !this.ours(gateway)) continue
      let accepted: { status: string; reason: string; message: string }
      if (!gateway)
        accepted = {
          status: "False",
          reason: "NoMatchingParent",
          message: `Gateway ${gwNamespace}/${str(raw.name) ?? ""} not found`,
        }
      else accepted = this.acceptance(route, gateway, raw, hostnames)
      const cond = (type: string, value: { status: string; reason: string; message: string }) => ({
        type,
        ...value,
        observedGeneration: generation,
        lastTransitionTime: previousParentTime(route, raw, type, value.status) ?? now,
      })
      parents.push({
        parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", ...raw },
        controllerName: gatewayController,
        conditions: [cond("Accepted", accepted), cond("ResolvedRefs", resolved)],
      })
    }
    writeStatus(this.ctx, types.httpRoutes, route, { parents }, manager)
  }

  private acceptance(route: KObject, gateway: KObject, ref: JsonObject, hostnames: string[]) {
    const { cluster, types } = this.ctx
    const listeners = list(spec(gateway).listeners)
      .filter(isObject)
      .filter((l) => ref.sectionName === undefined || l.name === ref.sectionName)
      .filter((l) => ref.port === undefined || l.port === ref.port)
    if (listeners.length === 0)
      return { status: "False", reason: "NoMatchingParent", message: "No listeners match this parent ref" }
    const allowed = listeners.filter((l) => {
      const routes = isObject(l.allowedRoutes) ? l.allowedRoutes : {}
      const namespaces = isObject(routes.namespaces) ? routes.namespaces : {}
      const from = str(namespaces.from) ?? "Same"
      if (from === "All") return true
      if (from === "Same") return route.metadata.namespace === gateway.metadata.namespace
      const ns = cluster.find(types.namespaces, undefined, route.metadata.namespace ?? "")
      return (
        ns !== undefined &&
        isObject(namespaces.selector) &&
        matchesLabelSelector(namespaces.selector as never, ns.metadata.labels)
      )
    })
    if (allowed.length === 0)
      return {
        status: "False",
        reason: "NotAllowedByListeners",
        message: "No listeners included by this parent ref allowed this attachment.",
      }
    const hostOk = hostnames.length === 0 || allowed.some((l) => hostnames.some((h) => hostMatches(str(l.hostname), h)))
    if (!hostOk)
      return {
        status: "False",
        reason: "NoMatchingListenerHostname",
        message: "There were no hostname intersections between the HTTPRoute and this parent ref's Listener(s).",
      }
    return { status: "True", reason: "Accepted", message: "Route is accepted" }
  }

  private resolveRefs(route: KObject): { status: string; reason: string; message: string } {
    const { cluster, types } = this.ctx
    for (const rule of list(spec(route).rules)) {
      if (!isObject(rule)) continue
      for (const ref of list(rule.backendRefs)) {
        if (!isObject(ref)) continue
        const kind = str(ref.kind) ?? "Service"
        const group = str(ref.group) ?? ""
        if (kind !== "Service" || group !== "")
          return { status: "False", reason: "InvalidKind", message: `BackendRef ${kind} is not supported` }
        const ns = str(ref.namespace) ?? route.metadata.namespace ?? ""
        const backendName = str(ref.name) ?? ""
        if (ns !== route.metadata.namespace && !this.granted(route, ns, backendName))
          return {
            status: "False",
            reason: "RefNotPermitted",
            message: `Backend ref to Service ${ns}/${backendName} not permitted by any ReferenceGrant.`,
          }
        const service = cluster.find(types.services, ns, backendName)
        if (!service)
          return {
            status: "False",
            reason: "BackendNotFound",
            message: `Failed to process route rule 0 backendRef 0: service ${ns}/${backendName} not found.`,
          }
        const hasPort = list(spec(service).ports).some((p) => isObject(p) && p.port === ref.port)
        if (!hasPort)
          return {
            status: "False",
            reason: "BackendNotFound",
            message: `Failed to process route rule 0 backendRef 0: port ${String(ref.port)} not found in service ${ns}/${backendName}.`,
          }
      }
    }
    return { status: "True", reason: "ResolvedRefs", message: "Resolved all the Object references for the Route" }
  }

  private granted(route: KObject, namespace: string, name: string): boolean {
    return this.ctx.cluster.store.list(this.ctx.types.referenceGrants, namespace).some((grant) => {
      const from = list(spec(grant).from).some(
        (f) => isObject(f) && f.kind === "HTTPRoute" && f.namespace === route.metadata.namespace,
      )
      const to = list(spec(grant).to).some(
        (t) => isObject(t) && t.kind === "Service" && (t.name === undefined || t.name === name),
      )
      return from && to
    })
  }
}

const previousTime = (obj: KObject, type: string, value: string): string | undefined => {
  const c = list(status(obj).conditions).find((x) => isObject(x) && x.type === type)
  return isObject(c) && c.status === value ? str(c.lastTransitionTime) : undefined
}

const previousParentTime = (route: KObject, ref: JsonObject, type: string, value: string): string | undefined => {
  const parent = list(status(route).parents).find(
    (p) =>
      isObject(p) && isObject(p.parentRef) && p.parentRef.name === ref.name && p.parentRef.namespace === ref.namespace,
  )
  if (!isObject(parent)) return undefined
  const c = list(parent.conditions).find((x) => isObject(x) && x.type === type)
  return isObject(c) && c.status === value ? str(c.lastTransitionTime) : undefined
}
