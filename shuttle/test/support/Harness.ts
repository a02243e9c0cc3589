import { Kube } from "@starform/kube"
import { KubeSim, Seeds, type Simulator } from "@starform/kube-sim"
import { Options } from "@starform/manifests"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import * as KubeCluster from "../../src/KubeCluster.ts"
import * as Metrics from "../../src/Metrics.ts"
import * as Settings from "../../src/Settings.ts"
import * as Shuttle from "../../src/Shuttle.ts"
import * as Starbase from "../../src/Starbase.ts"
import { Supervisor } from "../../src/Supervisor.ts"
import * as Projects from "./Projects.ts"

/**
 * A whole Shuttle under test: kube-sim (fast simulated time, Envoy Gateway seeded) that the real
 * `@kubernetes/client-node` talks to over HTTP, the projects service's side of ShuttleRpc over HTTP, and Shuttle
 * between them — which can be stopped and started again like a restarted pod.
 */

/** Timings for tests: the simulated cluster runs at 100×, Shuttle's own waits are short. */
export const settings: Settings.Settings = {
  ...Settings.defaults,
  render: {
    ...Options.defaults,
    gateway: { namespace: "envoy-gateway-system", name: "eg" },
    progressDeadlineSeconds: 60,
  },
  resyncMs: 1_500,
  pollWaitMs: 2_000,
  recheckMs: 100,
  retryCapMs: 250,
}

export interface Running {
  readonly sim: Simulator
  readonly projects: Projects.Projects
  /** Starts Shuttle (again). */
  readonly start: Effect.Effect<void>
  /** Stops Shuttle as a killed pod stops: mid-whatever. */
  readonly stop: Effect.Effect<void>
  readonly metrics: Effect.Effect<{ readonly requests: number; readonly writes: number }>
  readonly supervisor: Effect.Effect<Supervisor["Service"]>
}

export const make = Effect.fn("Harness.make")(function* (overrides: Partial<Settings.Settings> = {}) {
  const sim = yield* Effect.acquireRelease(
    Effect.promise(() => KubeSim.start({ clock: "fast", seed: Seeds.envoyGateway() })),
    (running) => Effect.promise(() => running.stop()),
  )
  const projects = yield* Projects.make()
  let scope: Scope.Closeable | null = null
  let context: Context.Context<Supervisor> | null = null
  const layer = Shuttle.layer({ ...settings, ...overrides }).pipe(
    Layer.provideMerge(KubeCluster.layer()),
    Layer.provide(Kube.layerFromOptions(sim.kubeConfig)),
    Layer.provideMerge(Metrics.layerIsolated),
    Layer.provide(Starbase.layer({ url: projects.url, clusterId: projects.clusterId, token: projects.token })),
  )
  const start = Effect.gen(function* () {
    if (scope !== null) return
    const fresh = yield* Scope.make()
    context = yield* Layer.buildWithScope(layer, fresh)
    scope = fresh
  }).pipe(Effect.orDie)
  const stop = Effect.suspend(() => {
    const open = scope
    scope = null
    context = null
    return open === null ? Effect.void : Scope.close(open, Exit.void)
  })
  yield* Effect.addFinalizer(() => stop)
  yield* start
  const running: Running = {
    sim,
    projects,
    start,
    stop,
    metrics: Effect.suspend(() => Metrics.counts.pipe(Effect.provideContext(context!))),
    supervisor: Effect.sync(() => Context.get(context!, Supervisor)),
  }
  return running
})

/** Resolves once `predicate` holds in the simulated cluster, checking after every change. */
export const until = (sim: Simulator, predicate: () => boolean, timeoutMs = 15_000) =>
  Effect.tryPromise({
    try: () => sim.waitFor(predicate, { timeoutMs }),
    // The condition's own text says which wait failed.
    catch: () => new Error(`not reached within ${timeoutMs} ms: ${predicate.toString()}`),
  }).pipe(Effect.orDie)

/** Resolves once `check` is true, polling an Effect. */
export const eventually = <E, R>(check: Effect.Effect<boolean, E, R>, timeoutMs = 15_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs
    while (!(yield* check)) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`condition not reached within ${timeoutMs}ms`))
      yield* Effect.sleep("20 millis")
    }
  })

interface Endpoint {
  readonly conditions?: { readonly ready?: boolean }
  readonly targetRef?: { readonly name?: string }
}

/** The ready endpoints behind a Service, by pod name, from its EndpointSlices. */
export const readyEndpoints = (sim: Simulator, namespace: string, service: string): ReadonlyArray<string> =>
  sim
    .list("discovery.k8s.io/v1", "EndpointSlice", namespace, `kubernetes.io/service-name=${service}`)
    .flatMap((slice) => (slice as { endpoints?: ReadonlyArray<Endpoint> }).endpoints ?? [])
    .filter((endpoint) => endpoint.conditions?.ready === true)
    .map((endpoint) => endpoint.targetRef?.name ?? "?")
