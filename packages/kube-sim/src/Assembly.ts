import { Cluster } from "./apiserver/Cluster.ts"
import { ApiServer } from "./apiserver/Http.ts"
import { Registry } from "./apiserver/Registry.ts"
import { ApiError } from "./apiserver/Status.ts"
import { Store } from "./apiserver/Store.ts"
import { Behaviors } from "./Behaviors.ts"
import { SimClock } from "./Clock.ts"
import { Autoscalers } from "./controllers/Autoscalers.ts"
import { type Context, typesOf } from "./controllers/Context.ts"
import { CronJobs } from "./controllers/CronJobs.ts"
import { Deployments } from "./controllers/Deployments.ts"
import { EndpointSlices } from "./controllers/EndpointSlices.ts"
import { GarbageCollector } from "./controllers/GarbageCollector.ts"
import { Gateways } from "./controllers/Gateways.ts"
import { Jobs } from "./controllers/Jobs.ts"
import { Kubelet } from "./controllers/Kubelet.ts"
import { Namespaces } from "./controllers/Namespaces.ts"
import { Publishers } from "./controllers/Publishers.ts"
import { ReplicaSets } from "./controllers/ReplicaSets.ts"
import { Runner } from "./controllers/Runner.ts"
import { pvcAdmission, Volumes } from "./controllers/Volumes.ts"
import { Faults } from "./Faults.ts"
import * as Seeds from "./Seeds.ts"
import type { SimulatorOptions } from "./Simulator.ts"
import { Security } from "./security/Security.ts"

/** The field manager of the simulator's own writes: seeds, `sim.create`, `sim.apply`. */
export const internalManager = "kube-sim"

/** The parts of a running simulated cluster, wired together and listening. */
export interface Assembly {
  readonly clock: SimClock
  readonly store: Store
  readonly cluster: Cluster
  readonly runner: Runner
  readonly behaviors: Behaviors
  readonly faults: Faults
  readonly metrics: Map<string, { cpu?: number; memory?: number }>
  readonly server: ApiServer
  readonly url: string
}

/**
 * Puts a cluster together: storage and API semantics, the admission steps, security, the controllers, the seed
 * objects (reconciled before the server answers), then the API server on its port.
 */
export const assemble = async (options: SimulatorOptions): Promise<Assembly> => {
  const clock = new SimClock(options.startTime ?? Date.now())
  const registry = new Registry()
  const store = new Store(options.historySize ?? 10_000)
  const cluster = new Cluster(registry, store, clock)
  const runner = new Runner(cluster)
  const behaviors = new Behaviors()
  const faults = new Faults()
  const metrics = new Map<string, { cpu?: number; memory?: number }>()
  const ctx: Context = {
    cluster,
    clock,
    scheduler: runner,
    behaviors,
    types: typesOf(cluster),
    metrics: { get: (namespace, target) => metrics.get(`${namespace}/${target}`) },
    timing: { provisionMs: options.provisionMs ?? 1000, hpaSyncMs: 15_000 },
  }
  cluster.admission.push(pvcAdmission)
  cluster.admission.push((type, next, old) => {
    if (type.kind !== "Pod" || old) return
    const refusal = behaviors.refusalFor(next)
    if (refusal)
      throw new ApiError(403, "Forbidden", `pods "${next.metadata.name ?? ""}" is forbidden: ${refusal}`, {
        name: next.metadata.name ?? "",
        kind: "pods",
      })
  })
  const security = await Security.make(cluster)
  cluster.validatingAdmission.push(security.admission)
  const kubelet = new Kubelet(ctx)
  for (const controller of [
    new Namespaces(ctx),
    new Publishers(ctx),
    new GarbageCollector(ctx),
    new Deployments(ctx),
    new ReplicaSets(ctx),
    kubelet,
    new EndpointSlices(ctx),
    new Volumes(ctx),
    new Jobs(ctx),
    new CronJobs(ctx),
    new Autoscalers(ctx),
    new Gateways(ctx),
  ])
    runner.add(controller)
  for (const obj of [...Seeds.doks(), ...(options.seed ?? [])]) {
    const type = cluster.resource(obj.apiVersion, obj.kind)
    const created = cluster.create(type, obj.metadata.namespace, obj, { manager: internalManager })
    if (type.status && obj.status !== undefined)
      cluster.update(
        type,
        created.metadata.namespace,
        created.metadata.name ?? "",
        { ...created, status: obj.status },
        { manager: internalManager, scope: "status" },
      )
  }
  runner.drain()
  const server = new ApiServer(
    cluster,
    faults,
    kubelet,
    { bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000 },
    security,
  )
  const url = await server.listen(options.port ?? 0, options.host ?? "127.0.0.1")
  return { clock, store, cluster, runner, behaviors, faults, metrics, server, url }
}
