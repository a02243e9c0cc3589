import type { KubeObject } from "@starform/manifests"
import { stringify as toYaml } from "yaml"
import { assemble, internalManager } from "./Assembly.ts"
import type { Cluster, DeleteOptions } from "./apiserver/Cluster.ts"
import type { ApiServer, RequestStats } from "./apiserver/Http.ts"
import type { StoreEvent } from "./apiserver/Store.ts"
import type { Behaviors, PodBehavior, PodMatch } from "./Behaviors.ts"
import type { SimClock } from "./Clock.ts"
import type { Runner } from "./controllers/Runner.ts"
import type { Faults } from "./Faults.ts"
import { fromKubeObject, type KObject } from "./Objects.ts"

/**
 * How simulated time moves.
 * - `fast` (tests): every `intervalMs` of wall time the clock jumps `tickMs` (default 1 s per 10 ms: 100×).
 * - `realtime` (`npm start`): the clock follows the wall clock.
 * - `manual`: only `tick`, `advance`, `settle` and `until` move it.
 * In every mode a write is reconciled at once, at the current simulated time.
 */
export type ClockMode = "fast" | "realtime" | "manual"

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number
  readonly host?: string
  readonly clock?: ClockMode
  /** Simulated milliseconds per tick in `fast` mode. Default 1000. */
  readonly tickMs?: number
  /** Wall milliseconds between ticks in `fast` mode. Default 10. */
  readonly intervalMs?: number
  /** Where simulated time starts. Default: now. */
  readonly startTime?: number
  /** Events kept per resource for watches to resume from; older resourceVersions get 410 Gone. Default 10,000. */
  readonly historySize?: number
  /** Wall milliseconds between BOOKMARK events on watches that allow them. Default 1000. */
  readonly bookmarkIntervalMs?: number
  /** Simulated milliseconds the CSI driver takes to provision a volume. Default 1000. */
  readonly provisionMs?: number
  /** Objects present at start, after the DigitalOcean defaults (`Seeds.doks()`), e.g. `Seeds.envoyGateway()`. */
  readonly seed?: ReadonlyArray<KObject>
}

/** The kubeconfig fields `KubeConfig.loadFromOptions` takes. */
export interface KubeConfigOptions {
  readonly clusters: ReadonlyArray<{ readonly name: string; readonly server: string; readonly skipTLSVerify: boolean }>
  readonly users: ReadonlyArray<{ readonly name: string; readonly token: string }>
  readonly contexts: ReadonlyArray<{
    readonly name: string
    readonly cluster: string
    readonly user: string
    readonly namespace: string
  }>
  readonly currentContext: string
}

export interface Observed {
  readonly type: StoreEvent["type"]
  readonly object: KObject
  readonly old: KObject | undefined
}

/**
 * A running simulated cluster: the API server on `url`, the controllers, the simulated clock and the knobs tests
 * turn (pod scripts, metrics, faults). Start it with `KubeSim.start()`.
 */
export class Simulator {
  readonly url: string
  readonly kubeConfig: KubeConfigOptions
  /** The same kubeconfig as a file's contents, for `KUBECONFIG`. */
  readonly kubeConfigYaml: string
  readonly faults: Faults
  /** Pod scripts: `sim.pods.script({ image: "app:v2" }, Behavior.neverReady)`; `sim.pods.refuse(match)`. */
  readonly pods: Behaviors
  /** Request counts by verb since start (or `resetStats()`). */
  readonly stats: RequestStats

  private interval: NodeJS.Timeout | undefined
  private drainScheduled = false
  private stopped = false

  readonly cluster: Cluster
  readonly clock: SimClock
  private readonly runner: Runner
  private readonly server: ApiServer
  private readonly metricValues: Map<string, { cpu?: number; memory?: number }>

  private constructor(
    cluster: Cluster,
    runner: Runner,
    server: ApiServer,
    clock: SimClock,
    behaviors: Behaviors,
    faults: Faults,
    metricValues: Map<string, { cpu?: number; memory?: number }>,
    url: string,
  ) {
    this.cluster = cluster
    this.runner = runner
    this.server = server
    this.clock = clock
    this.metricValues = metricValues
    this.url = url
    this.faults = faults
    this.pods = behaviors
    this.stats = server.stats
    this.kubeConfig = {
      clusters: [{ name: "kube-sim", server: url, skipTLSVerify: true }],
      users: [{ name: "kube-sim", token: "kube-sim" }],
      contexts: [{ name: "kube-sim", cluster: "kube-sim", user: "kube-sim", namespace: "default" }],
      currentContext: "kube-sim",
    }
    this.kubeConfigYaml = toYaml({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "kube-sim", cluster: { server: url, "insecure-skip-tls-verify": true } }],
      users: [{ name: "kube-sim", user: { token: "kube-sim" } }],
      contexts: [{ name: "kube-sim", context: { cluster: "kube-sim", user: "kube-sim", namespace: "default" } }],
      "current-context": "kube-sim",
    })
  }

  static async start(options: SimulatorOptions = {}): Promise<Simulator> {
    const mode = options.clock ?? "fast"
    const { clock, store, cluster, runner, behaviors, faults, metrics, server, url } = await assemble(options)
    const sim = new Simulator(cluster, runner, server, clock, behaviors, faults, metrics, url)
    store.listen(() => sim.scheduleDrain())
    if (mode === "fast") {
      const tickMs = options.tickMs ?? 1000
      sim.interval = setInterval(() => sim.tick(tickMs), options.intervalMs ?? 10)
    } else if (mode === "realtime") {
      sim.interval = setInterval(() => sim.advanceTo(Date.now()), 200)
    }
    return sim
  }

  private scheduleDrain() {
    if (this.drainScheduled || this.stopped) return
    this.drainScheduled = true
    setImmediate(() => {
      this.drainScheduled = false
      if (!this.stopped) this.runner.drain()
    })
  }

  /** Simulated time, in milliseconds since the epoch. */
  now(): number {
    return this.clock.now()
  }

  /** Moves simulated time to `at`, reconciling at every timer due on the way. */
  advanceTo(at: number): void {
    this.runner.drain()
    this.step(at)
    this.clock.advanceTo(at)
    this.runner.fire(at)
    this.runner.drain()
  }

  /** Runs every timer due up to `limit`, in time order; stops at the first moment `done` holds. */
  private step(limit: number, done: () => boolean = () => false): void {
    let last = this.clock.now()
    let sameMoment = 0
    for (
      let next = this.runner.nextWake();
      next !== undefined && next <= limit && !done();
      next = this.runner.nextWake()
    ) {
      // A controller that keeps rescheduling itself for the same instant would spin forever: stop it.
      sameMoment = next <= last ? sameMoment + 1 : 0
      if (sameMoment > 10_000) throw new Error("kube-sim: a controller keeps rescheduling itself without time passing")
      last = Math.max(last, next)
      this.clock.advanceTo(next)
      this.runner.fire(this.clock.now())
      this.runner.drain()
    }
  }

  /** Moves simulated time forward by `ms` (default one second). */
  tick(ms = 1000): void {
    this.advanceTo(this.clock.now() + ms)
  }

  /** Same as `tick(ms)`. */
  advance(ms: number): void {
    this.tick(ms)
  }

  /**
   * Runs the cluster forward until nothing more is scheduled (every rollout finished, every probe decided), or
   * until `withinMs` of simulated time (default 15 minutes) has passed. Returns the simulated time it stopped at.
   */
  settle(options: { readonly withinMs?: number } = {}): number {
    const limit = this.clock.now() + (options.withinMs ?? 15 * 60_000)
    this.runner.drain()
    this.step(limit)
    return this.clock.now()
  }

  /**
   * Runs the cluster forward, timer by timer, until `predicate` holds; throws if it still does not after
   * `withinMs` of simulated time (default 15 minutes).
   */
  until(predicate: () => boolean, options: { readonly withinMs?: number } = {}): number {
    const within = options.withinMs ?? 15 * 60_000
    this.runner.drain()
    this.step(this.clock.now() + within, predicate)
    if (!predicate())
      throw new Error(`kube-sim: condition not reached within ${Math.round(within / 1000)}s of simulated time`)
    return this.clock.now()
  }

  /** Resolves once `predicate` holds, checking after every change and tick; rejects after `timeoutMs` of wall time. */
  waitFor(predicate: () => boolean, options: { readonly timeoutMs?: number } = {}): Promise<void> {
    if (predicate()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return
        cleanup()
        resolve()
      }
      const unlisten = this.cluster.store.listen(() => setImmediate(check))
      const poll = setInterval(check, 5)
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`kube-sim: condition not reached within ${options.timeoutMs ?? 10_000}ms`))
      }, options.timeoutMs ?? 10_000)
      const cleanup = () => {
        unlisten()
        clearInterval(poll)
        clearTimeout(timer)
      }
    })
  }

  /** Every committed change, synchronously, as it happens (for asserting on each intermediate state). */
  observe(listener: (event: Observed) => void): () => void {
    return this.cluster.store.listen((event) => listener({ type: event.type, object: event.object, old: event.old }))
  }

  // Direct access, without HTTP: for seeding and for assertions.

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KObject | undefined {
    return this.cluster.find(this.cluster.resource(apiVersion, kind), namespace, name)
  }

  /** The object `ref` names (as @starform/manifests names objects), if it exists. */
  find(ref: KubeObject.ObjectRef): KObject | undefined {
    return this.get(ref.apiVersion, ref.kind, ref.namespace || undefined, ref.name)
  }

  list(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): KObject[] {
    return this.cluster.list(this.cluster.resource(apiVersion, kind), namespace, {
      labelSelector: labelSelector ?? null,
    }).items
  }

  create(obj: KubeObject.KubeObject, manager = internalManager): KObject {
    const body = fromKubeObject(obj)
    return this.cluster.create(this.cluster.resource(body.apiVersion, body.kind), body.metadata.namespace, body, {
      manager,
    })
  }

  /** Server-side apply, as a client would send it. */
  apply(obj: KubeObject.KubeObject, manager = internalManager, force = true): KObject {
    const type = this.cluster.resource(obj.apiVersion, obj.kind)
    return this.cluster.patch(
      type,
      obj.metadata.namespace,
      obj.metadata.name,
      "application/apply-patch+yaml",
      JSON.stringify(obj),
      {
        manager,
        force,
      },
    ).object
  }

  delete(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): void {
    this.cluster.delete(this.cluster.resource(apiVersion, kind), namespace, name, options)
  }

  /**
   * Stops one controller (`"deployment-controller"`, `"replicaset-controller"`, `"kubelet"`…) until the returned
   * function is called: a kube-controller-manager that is slow, busy or restarting, as a real cluster has. Writes are
   * accepted meanwhile; the controller catches up on everything it missed once released.
   */
  hold(controller: string): () => void {
    this.runner.hold(controller)
    return () => {
      this.runner.release(controller)
      this.scheduleDrain()
    }
  }

  /** Sets the utilization (percent of requests) the HPA controller sees for `target` (a Deployment's name). */
  setMetrics(
    namespace: string,
    target: string,
    utilization: { readonly cpu?: number; readonly memory?: number },
  ): void {
    this.metricValues.set(`${namespace}/${target}`, { ...utilization })
  }

  /** Forgets history up to now, as etcd compaction does: watches resuming from before get 410 Gone. */
  compact(): void {
    this.cluster.store.compact()
  }

  /** Sends a BOOKMARK to every watch that allows them, now. */
  bookmark(): void {
    this.server.bookmark()
  }

  get resourceVersion(): number {
    return this.cluster.store.resourceVersion
  }

  get openWatches(): number {
    return this.server.openWatches
  }

  /** Errors the simulated controllers hit (other than conflicts): should stay empty. */
  get controllerErrors(): ReadonlyArray<{ controller: string; key: string; error: unknown }> {
    return this.runner.errors
  }

  resetStats(): void {
    this.stats.requests = 0
    this.stats.writes = 0
    for (const verb of Object.keys(this.stats.byVerb)) delete this.stats.byVerb[verb as keyof RequestStats["byVerb"]]
  }

  /** Records the requests made from now on; call the returned function to stop and get them. */
  record(): () => ReadonlyArray<{
    readonly verb: string
    readonly resource?: string | undefined
    readonly namespace?: string | undefined
    readonly name?: string | undefined
    readonly path: string
  }> {
    const seen: Array<{
      verb: string
      resource?: string | undefined
      namespace?: string | undefined
      name?: string | undefined
      path: string
    }> = []
    const previous = this.server.onRequest
    this.server.onRequest = (info) => {
      previous?.(info)
      seen.push({
        verb: info.verb,
        resource: info.resource,
        namespace: info.namespace,
        name: info.name,
        path: info.path,
      })
    }
    return () => {
      this.server.onRequest = previous
      return seen
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.interval) clearInterval(this.interval)
    await this.server.close()
  }
}

export type { PodBehavior, PodMatch }
