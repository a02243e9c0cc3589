import type { DesiredState } from "@starform/domain"
import { KubeObject, Labels, Render } from "@starform/manifests"
import { Effect } from "effect"
import * as Apply from "./Apply.ts"
import { Inventories, keysOf } from "./Inventories.ts"
import * as Inventory from "./Inventory.ts"
import * as Prune from "./Prune.ts"
import { CurrentSettings } from "./Settings.ts"

/**
 * An environment's own objects: its namespace (recorded in the cluster inventory before it is created), its
 * isolation policy and its volumes; then the services that left it are pruned, everything they owned and nothing
 * else. Every object goes into the inventory before it is written, so a crash in between never leaves an object
 * Shuttle would not know to prune.
 */

const clusterInventory = (namespace: string) => ({
  namespace,
  name: Inventory.clusterName,
  labels: { "app.kubernetes.io/part-of": "starform" },
})

const inventoryOf = (environment: DesiredState.EnvironmentState) => ({
  namespace: environment.namespace,
  name: Inventory.name,
  labels: Labels.ofEnvironment(environment),
})

export const sync = Effect.fn("SyncEnvironment.sync")(function* (environment: DesiredState.EnvironmentState) {
  const settings = yield* CurrentSettings
  const inventories = yield* Inventories
  const objects = Render.environment(environment)
  const [namespace, ...rest] = objects
  const namespaceKey = keysOf([namespace!])[0]!
  const cluster = clusterInventory(settings.namespace)
  // Under the inventory's lock: environments are synced side by side and all list their namespace here.
  yield* inventories.extend(cluster, new Map([[Inventory.clusterOwner, [namespaceKey]]]))
  yield* Apply.drifted([namespace!])

  const where = inventoryOf(environment)
  const listed = inventories.read(where.namespace, where.name).get(Inventory.environmentOwner) ?? []
  const desired = new Set(keysOf(rest))
  yield* inventories.record(where, Inventory.environmentOwner, [...listed, ...desired])
  yield* Apply.drifted(rest)
  const stale = Prune.leftover(listed, desired)
  yield* Prune.stale(stale, null)
  // Volumes stay listed (they are never pruned with a service); the rest of what was pruned leaves the inventory.
  const kept = listed.filter((key) => KubeObject.refOfKey(key).kind === "PersistentVolumeClaim")
  yield* inventories.record(where, Inventory.environmentOwner, [...desired, ...kept])

  // What the services are about to write, listed in one go (their own passes then find it listed already).
  const additions = new Map<string, ReadonlyArray<string>>()
  for (const service of environment.services) {
    additions.set(service.serviceId, keysOf(Render.service(service, settings.render)))
  }
  yield* inventories.extend(where, additions)
})

/** Prunes everything a service that left its environment owned, then drops it from the inventory. */
export const removeService = Effect.fn("SyncEnvironment.removeService")(function* (
  environment: DesiredState.EnvironmentState,
  serviceId: string,
) {
  const inventories = yield* Inventories
  const where = inventoryOf(environment)
  const listed = inventories.read(where.namespace, where.name).get(serviceId) ?? []
  yield* Prune.stale(listed.map(KubeObject.refOfKey), serviceId)
  yield* inventories.record(where, serviceId, [])
})

/** The services an environment's inventory still lists that the desired state no longer has. */
export const departed = Effect.fn("SyncEnvironment.departed")(function* (environment: DesiredState.EnvironmentState) {
  const inventories = yield* Inventories
  const entries = inventories.read(environment.namespace, Inventory.name)
  const wanted = new Set<string>(environment.services.map((service) => service.serviceId))
  return [...entries.keys()].filter((owner) => owner !== Inventory.environmentOwner && !wanted.has(owner))
})

/**
 * Deletes the namespaces of environments no longer on this cluster (their contents go with them), if they are
 * still labelled as Shuttle's, and drops them from the cluster inventory.
 */
export const removeDeparted = Effect.fn("SyncEnvironment.removeDeparted")(function* (
  environments: ReadonlyArray<DesiredState.EnvironmentState>,
) {
  const settings = yield* CurrentSettings
  const inventories = yield* Inventories
  const cluster = clusterInventory(settings.namespace)
  const listed = inventories.read(cluster.namespace, cluster.name).get(Inventory.clusterOwner) ?? []
  const wanted = new Set(environments.map((environment) => `v1/Namespace//${environment.namespace}`))
  const stale = Prune.leftover(listed, wanted)
  if (stale.length === 0) return 0
  const deleted = yield* Prune.stale(stale, null)
  yield* inventories.record(
    cluster,
    Inventory.clusterOwner,
    listed.filter((key) => wanted.has(key)),
  )
  return deleted
})
