import { Effect, Layer, Metric } from "effect"

/**
 * What Shuttle asked of the API server, as `effect` counters: every request (watches included) and the writes among
 * them (server-side applies and deletes). The benchmark and the tests read them around a pass; a pass over an
 * unchanged cluster must add nothing.
 */

export const requests = Metric.counter("shuttle_kube_requests", {
  description: "Requests Shuttle sent the Kubernetes API server, watches included",
  incremental: true,
})

export const writes = Metric.counter("shuttle_kube_writes", {
  description: "Writes (server-side applies and deletes) Shuttle sent the Kubernetes API server",
  incremental: true,
})

/**
 * A metric registry of its own for one Shuttle, so that several in one process (tests, the benchmark) are counted
 * apart. A deployed Shuttle uses the process's registry.
 */
export const layerIsolated = Layer.sync(Metric.MetricRegistry, () => new Map())

export interface Counts {
  readonly requests: number
  readonly writes: number
}

/** The counts so far in the registry of the current context. */
export const counts: Effect.Effect<Counts> = Effect.all({
  requests: Metric.value(requests),
  writes: Metric.value(writes),
}).pipe(Effect.map((states) => ({ requests: states.requests.count, writes: states.writes.count })))
