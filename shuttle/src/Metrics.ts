import { Context, Layer } from "effect"

/**
 * Counts of what Shuttle asked the API server: every request, and the writes among them (apply, delete). The
 * benchmark reads them around a pass; a pass over an unchanged cluster must add nothing.
 */
export interface Counters {
  requests: number
  writes: number
}

export class Metrics extends Context.Service<Metrics, Counters>()("starform/shuttle/Metrics") {
  static readonly layer = Layer.sync(Metrics, () => ({ requests: 0, writes: 0 }))
}
