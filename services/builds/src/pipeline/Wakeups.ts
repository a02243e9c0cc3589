import { Context, Effect, Latch, Layer } from "effect"

/**
 * What makes the next pass run now rather than at the next poll: a push, projects' notification that a deployment
 * waits for its build, a retry's backoff ending, a build ending (its workspace has a slot free). Wakes that come
 * while a pass runs are kept, and any number of them make one more pass.
 */
export class Wakeups extends Context.Service<
  Wakeups,
  {
    readonly wake: Effect.Effect<void>
    /** Wakes the pipeline `ms` from now (a retry's backoff is over then). */
    readonly wakeIn: (ms: number) => Effect.Effect<void>
    /** Waits until woken, or `ms` at most, and takes the wake. */
    readonly next: (ms: number) => Effect.Effect<void>
  }
>()("starform/builds/Wakeups") {
  static readonly layer = Layer.effect(
    Wakeups,
    Effect.gen(function* () {
      const latch = yield* Latch.make(false)
      const scope = yield* Effect.scope
      return Wakeups.of({
        wake: latch.open,
        wakeIn: (ms) => Effect.asVoid(Effect.forkIn(Effect.delay(latch.open, ms), scope)),
        next: (ms) => latch.await.pipe(Effect.timeoutOption(ms), Effect.andThen(latch.close)),
      })
    }),
  )
}
