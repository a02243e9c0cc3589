import type { DesiredState } from "@starform/domain"
import { Duration, Effect } from "effect"
import * as Backoff from "./Backoff.ts"
import { Cache } from "./Cache.ts"
import { Reporter } from "./Reporter.ts"
import { CurrentSettings } from "./Settings.ts"
import * as SyncService from "./SyncService.ts"

/**
 * The fiber of one service: sync, report, and while the rollout is under way wait for the cluster to change what
 * concerns the service (or for a drain to end, or a while at most), then sync again. Errors are retried with
 * backoff. The fiber ends once the service is settled; the supervisor starts a new one when its desired state
 * changes, and on every periodic pass.
 */
export const run = (environment: DesiredState.EnvironmentState, service: DesiredState.ServiceState) =>
  Effect.gen(function* () {
    const cache = yield* Cache
    const reporter = yield* Reporter
    const settings = yield* CurrentSettings
    for (;;) {
      // Taken before the sync reads the cache: a change while it runs still wakes the wait below.
      const changed = cache.changed(service.serviceId)
      const outcome = yield* SyncService.sync(environment, service).pipe(
        Effect.tapError((error) =>
          Effect.logWarning(`service ${service.name} in ${service.namespace}: ${error.message}; retrying`),
        ),
        Effect.retry(Backoff.schedule("50 millis", settings.retryCapMs)),
        // The schedule never gives up: only a defect ends the fiber.
        Effect.orDie,
      )
      yield* reporter.offer(outcome.observed)
      if (outcome.settled) return outcome
      const waitMs = Math.min(settings.recheckMs, outcome.dueInMs ?? settings.recheckMs)
      yield* changed.pipe(Effect.timeoutOption(Duration.millis(Math.max(1, waitMs))))
      // Changes come in bursts (a pod's status moves several times in a row): one pass after the burst is enough.
      yield* Effect.sleep(Duration.millis(settings.coalesceMs))
    }
  })
