import type { Ids } from "@starform/domain"
import { Array as Arr, Context, Effect, Latch, Layer, Queue } from "effect"

/**
 * What makes the pipeline act now rather than at the next poll. Three kinds of wake:
 * - a pass over everything (`wake`): a push, the listening connection (re)made, a person asking;
 * - projects' notification that a deployment started or stopped waiting for its build (`notified`): only that
 *   deployment is taken in, with no listing of every waiting one;
 * - a build slot may be free (`admit`, `admitIn`): a build ended, a retry's backoff is over, a build was queued.
 * Wakes that come while their work runs are kept: any number of them make one more round.
 */
export class Wakeups extends Context.Service<
  Wakeups,
  {
    /** A pass over everything, now. */
    readonly wake: Effect.Effect<void>
    /** Waits until woken, or `ms` at most, and takes the wake. */
    readonly next: (ms: number) => Effect.Effect<void>
    /** Projects notified that this deployment started or stopped waiting for its build. */
    readonly notified: (deploymentId: Ids.DeploymentId) => Effect.Effect<void>
    /** Waits for notified deployments and takes every one notified so far (each once, however often notified). */
    readonly nextNotified: Effect.Effect<ReadonlyArray<Ids.DeploymentId>>
    /** Admission runs now. */
    readonly admit: Effect.Effect<void>
    /** Admission runs `ms` from now (a retry's backoff is over then). */
    readonly admitIn: (ms: number) => Effect.Effect<void>
    /** Waits until admission is asked for, and takes the ask. */
    readonly nextAdmission: Effect.Effect<void>
  }
>()("starform/builds/Wakeups") {
  static readonly layer = Layer.effect(
    Wakeups,
    Effect.gen(function* () {
      const pass = yield* Latch.make(false)
      const admission = yield* Latch.make(false)
      const notifications = yield* Queue.unbounded<Ids.DeploymentId>()
      const scope = yield* Effect.scope
      return Wakeups.of({
        wake: pass.open,
        next: (ms) => pass.await.pipe(Effect.timeoutOption(ms), Effect.andThen(pass.close)),
        notified: (deploymentId) => Effect.asVoid(Queue.offer(notifications, deploymentId)),
        nextNotified: Effect.map(Queue.takeAll(notifications), Arr.dedupe),
        admit: admission.open,
        admitIn: (ms) => Effect.asVoid(Effect.forkIn(Effect.delay(admission.open, ms), scope)),
        nextAdmission: Effect.andThen(admission.await, admission.close),
      })
    }),
  )
}
