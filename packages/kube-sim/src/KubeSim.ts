import { Context, Effect, Layer } from "effect"
import { Simulator, type SimulatorOptions } from "./Simulator.ts"

/**
 * The simulated cluster as an Effect service. `KubeSim.layer(options)` starts one for the layer's lifetime;
 * `KubeSim.start(options)` starts one outside Effect (stop it with `sim.stop()`).
 */
export class KubeSim extends Context.Service<KubeSim, Simulator>()("starform/KubeSim") {
  static readonly start = (options: SimulatorOptions = {}): Promise<Simulator> => Simulator.start(options)

  static readonly layer = (options: SimulatorOptions = {}) =>
    Layer.effect(
      KubeSim,
      Effect.acquireRelease(
        Effect.promise(() => Simulator.start(options)),
        (sim) => Effect.promise(() => sim.stop()),
      ),
    )
}
