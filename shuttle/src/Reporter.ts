import { DesiredState, type ShuttleRpc } from "@starform/domain"
import { Context, Deferred, Effect, Layer } from "effect"
import * as Backoff from "./Backoff.ts"
import { Starbase } from "./Starbase.ts"

/**
 * Observed state back to the projects service. Reports are gathered per service (the latest wins) and sent in one
 * call; a report equal to the last one sent for that release is not sent again. While the projects service is
 * unreachable, reports wait and go out, newest only, once it answers.
 */
export class Reporter extends Context.Service<
  Reporter,
  {
    readonly offer: (observed: ShuttleRpc.ObservedService) => Effect.Effect<void>
    /** The desired-state version whose services have all been applied. */
    readonly applied: (version: number) => Effect.Effect<void>
    /** Forgets a service that left the cluster. */
    readonly drop: (serviceId: string) => Effect.Effect<void>
  }
>()("starform/shuttle/Reporter") {
  static readonly layer = Layer.effect(
    Reporter,
    Effect.gen(function* () {
      const starbase = yield* Starbase
      const pending = new Map<string, ShuttleRpc.ObservedService>()
      const sent = new Map<string, string>()
      let appliedVersion: number | null = null
      let sentVersion: number | null = null
      let wake = Deferred.makeUnsafe<void>()
      const signal = () => Deferred.doneUnsafe(wake, Effect.void)

      const flush = Effect.gen(function* () {
        const batch = [...pending.values()]
        const version = appliedVersion
        if (batch.length === 0 && version === sentVersion) return
        pending.clear()
        yield* starbase.reportObservedState(version, batch).pipe(
          Effect.tapError(() =>
            Effect.sync(() => {
              // Put back what was not superseded meanwhile.
              for (const observed of batch)
                if (!pending.has(observed.serviceId)) pending.set(observed.serviceId, observed)
            }),
          ),
        )
        sentVersion = version
        for (const observed of batch) sent.set(observed.serviceId, DesiredState.serialize(observed))
      })

      yield* Effect.gen(function* () {
        for (;;) {
          yield* Deferred.await(wake)
          wake = Deferred.makeUnsafe<void>()
          // Reports arriving together go together.
          yield* Effect.sleep("20 millis")
          yield* flush.pipe(
            Effect.tapError((error) => Effect.logWarning(`reporting observed state failed: ${error.message}`)),
            Effect.retry(Backoff.schedule("200 millis", "10 seconds")),
          )
        }
      }).pipe(Effect.forkScoped)

      return Reporter.of({
        offer: (observed) =>
          Effect.sync(() => {
            if (sent.get(observed.serviceId) === DesiredState.serialize(observed)) return
            pending.set(observed.serviceId, observed)
            signal()
          }),
        applied: (version) =>
          Effect.sync(() => {
            if (appliedVersion === version) return
            appliedVersion = version
            signal()
          }),
        drop: (serviceId) =>
          Effect.sync(() => {
            pending.delete(serviceId)
            sent.delete(serviceId)
          }),
      })
    }),
  )
}
