import { DesiredState, type ShuttleRpc } from "@starform/domain"
import { Context, Deferred, Effect, Layer } from "effect"
import * as Backoff from "./Backoff.ts"
import { CurrentSettings } from "./Settings.ts"
import { Starbase } from "./Starbase.ts"

/**
 * Observed state back to the projects service. Reports are gathered per release (the latest wins) and sent in one
 * call; a report equal to the last one sent for that release is not sent again. While the projects service is
 * unreachable, reports wait and go out, the newest of each release, once it answers — a release that became ready
 * meanwhile is still reported ready even if a newer one has started rolling out since.
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
      const settings = yield* CurrentSettings
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
        // Marked sent before the call, so an equal report offered while it is in flight is not sent twice.
        const previous = new Map(batch.map((observed) => [observed.deploymentId, sent.get(observed.deploymentId)]))
        for (const observed of batch) sent.set(observed.deploymentId, DesiredState.serialize(observed))
        yield* starbase.reportObservedState(version, batch).pipe(
          Effect.tapError(() =>
            Effect.sync(() => {
              // Put back what was not superseded meanwhile.
              for (const observed of batch) {
                const before = previous.get(observed.deploymentId)
                if (before === undefined) sent.delete(observed.deploymentId)
                else sent.set(observed.deploymentId, before)
                if (!pending.has(observed.deploymentId)) pending.set(observed.deploymentId, observed)
              }
            }),
          ),
        )
        sentVersion = version
      })

      yield* Effect.gen(function* () {
        for (;;) {
          yield* Deferred.await(wake)
          wake = Deferred.makeUnsafe<void>()
          // Reports arriving together go together.
          yield* Effect.sleep("20 millis")
          yield* flush.pipe(
            Effect.tapError((error) => Effect.logWarning(`reporting observed state failed: ${error.message}`)),
            Effect.retry(Backoff.schedule("200 millis", settings.retryCapMs)),
          )
        }
      }).pipe(Effect.forkScoped)

      return Reporter.of({
        offer: (observed) =>
          Effect.sync(() => {
            if (sent.get(observed.deploymentId) === DesiredState.serialize(observed)) return
            pending.set(observed.deploymentId, observed)
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
            for (const [deploymentId, observed] of pending)
              if (observed.serviceId === serviceId) pending.delete(deploymentId)
            for (const [deploymentId, text] of sent) {
              if ((JSON.parse(text) as ShuttleRpc.ObservedService).serviceId === serviceId) sent.delete(deploymentId)
            }
          }),
      })
    }),
  )
}
