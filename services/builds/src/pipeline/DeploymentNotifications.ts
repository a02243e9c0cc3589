import { PgClient, PgConnection } from "@effect/sql-pg"
import { Ids } from "@starform/domain"
import { Effect, Layer, Option, Schedule, Schema, Stream } from "effect"
import { Wakeups } from "./Wakeups.ts"

/**
 * The projects service's word that a deployment started or stopped waiting for its build: PostgreSQL notifies
 * `channel` (a trigger on `deployments`, migration 0052) when the deployment commits, and the pipeline takes that
 * deployment in at once (its build queued and started, or called off) instead of at its next poll. A dropped
 * connection is listened on again; the poll covers the gap, and a pass runs on each (re)connection for what was
 * missed. The listening session is a connection of its own, not one of the pool's: the pool keeps its size, and its
 * shutdown never waits for a listener that outlives it.
 */

/** The channel, payload the deployment's id. */
export const channel = "starform_deployments_building"

const deploymentIdOf = Schema.decodeUnknownOption(Ids.DeploymentId)

/** How long the next try to listen waits after a failure: growing from 100 ms, at most 5 s. */
const relisten = Schedule.min([Schedule.exponential("100 millis"), Schedule.spaced("5 seconds")])

/** After this many failed tries in a row, a warning: PostgreSQL is not coming back by itself. */
const warnAfter = 5

/** Listens while the layer lives; without PostgreSQL (no `PgClient`) the poll alone drives the pipeline. */
export const layer = Layer.effectDiscard(
  Effect.gen(function* () {
    const pg = yield* Effect.serviceOption(PgClient.PgClient)
    if (Option.isNone(pg)) return
    const wakeups = yield* Wakeups
    // tries that failed in a row: one drop (PostgreSQL restarting, the process stopping) is expected, an outage is not
    let failures = 0
    const listen = Effect.scoped(
      Effect.gen(function* () {
        const connection = yield* PgConnection.make(pg.value.config)
        const notifications = yield* connection.listen(channel)
        failures = 0
        yield* wakeups.wake
        yield* Stream.fromQueue(notifications).pipe(
          Stream.runForEach((notification) =>
            // a payload that names no deployment (a hand-made NOTIFY) still wakes a pass over all of them
            Option.match(deploymentIdOf(notification.payload), {
              onNone: () => wakeups.wake,
              onSome: wakeups.notified,
            }),
          ),
        )
      }),
    ).pipe(
      Effect.tapError((cause) => {
        failures++
        return failures === 1
          ? Effect.logInfo(
              `builds: not listening on ${channel} (its connection dropped or could not be made); trying again`,
            )
          : failures === warnAfter
            ? Effect.logWarning(
                `builds: cannot listen on ${channel} (${failures} tries); builds start at the poll until it is back`,
                cause,
              )
            : Effect.void
      }),
    )
    yield* Effect.forkScoped(listen.pipe(Effect.retry(relisten)))
  }),
)
