import type { JsonObject } from "../Json.ts"
import { type Context, controllerManager, spec } from "./Context.ts"
import type { Controller } from "./Runner.ts"

/** The namespace controller: a Terminating namespace has its contents deleted, then goes itself. */
export class Namespaces implements Controller {
  readonly name = "namespace-controller"
  readonly triggers: Controller["triggers"]

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    this.triggers = ctx.cluster.registry.all().map((resource) =>
      resource === ctx.types.namespaces
        ? { resource, keys: (event) => [event.object.metadata.name ?? ""] }
        : {
            resource,
            keys: (event) =>
              event.type === "DELETED" && event.object.metadata.namespace ? [event.object.metadata.namespace] : [],
          },
    )
  }

  sync(name: string): void {
    const { cluster, types } = this.ctx
    const ns = cluster.find(types.namespaces, undefined, name)
    if (!ns?.metadata.deletionTimestamp) return
    let remaining = 0
    for (const resource of cluster.registry.all()) {
      if (!resource.namespaced) continue
      for (const obj of cluster.store.list(resource, name)) {
        remaining++
        if (!obj.metadata.deletionTimestamp)
          cluster.delete(resource, name, obj.metadata.name ?? "", { propagationPolicy: "Background" })
      }
    }
    if (remaining > 0) {
      // Deleting may have finished some at once; look again next round.
      let left = 0
      for (const resource of cluster.registry.all())
        if (resource.namespaced) left += cluster.store.list(resource, name).length
      if (left > 0) return
    }
    const nsSpec: JsonObject = { ...spec(ns), finalizers: [] }
    const current = cluster.find(types.namespaces, undefined, name)
    if (!current) return
    cluster.update(
      types.namespaces,
      undefined,
      name,
      { ...current, spec: nsSpec },
      { manager: controllerManager, scope: "" },
    )
  }
}
