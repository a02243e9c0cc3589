import { DesiredState } from "@starform/domain"
import { Context, Deferred, Duration, Effect, FiberMap, Layer, Semaphore, Stream } from "effect"
import { Cache } from "./Cache.ts"
import type { Cluster } from "./Cluster.ts"
import type { Inventories } from "./Inventories.ts"
import { Reporter } from "./Reporter.ts"
import * as ServiceLoop from "./ServiceLoop.ts"
import { CurrentSettings } from "./Settings.ts"
import { Source } from "./Source.ts"
import * as SyncEnvironment from "./SyncEnvironment.ts"

/**
 * The level-driven loop (ARCHITECTURE §4): on every desired-state version, and on a timer, it syncs each
 * environment and gives each service its fiber in a `FiberMap` keyed by service id. A service whose desired state
 * changed gets a new fiber (the old one is interrupted); on the periodic pass every service without a running
 * fiber gets one, so drift and anything a missed event hid are corrected. Services and environments that left the
 * desired state are pruned.
 */
export class Supervisor extends Context.Service<
  Supervisor,
  {
    /** One full pass over the current desired state, waiting until every service fiber has finished. */
    readonly pass: Effect.Effect<void>
    /** Waits until every service fiber has finished (all settled). */
    readonly idle: Effect.Effect<void>
  }
>()("starform/shuttle/Supervisor") {
  static readonly layer = Layer.effect(
    Supervisor,
    Effect.gen(function* () {
      const cache = yield* Cache
      const source = yield* Source
      const reporter = yield* Reporter
      const settings = yield* CurrentSettings
      const context = yield* Effect.context<Cache | Reporter | CurrentSettings | Inventories | Cluster>()
      const scope = yield* Effect.scope
      const fibers = yield* FiberMap.make<string, unknown, never>()
      /** What each running or settled service was last started with. */
      const started = new Map<string, { readonly service: DesiredState.ServiceState; readonly digest: string }>()
      /** The environments of the last version applied: an identical object means nothing in it changed. */
      const applied = new Map<string, DesiredState.EnvironmentState>()

      const serviceDigest = (environment: DesiredState.EnvironmentState, service: DesiredState.ServiceState) =>
        DesiredState.serialize({ service, namespace: environment.namespace, labels: environment.environment })

      /** Whether `service` differs from what its fiber was started with (cheaply when it is the same object). */
      const changedSince = (environment: DesiredState.EnvironmentState, service: DesiredState.ServiceState) => {
        const held = started.get(service.serviceId)
        if (held !== undefined && held.service === service) return { changed: false, digest: held.digest }
        const digest = serviceDigest(environment, service)
        return { changed: held?.digest !== digest, digest }
      }

      // A new version and the periodic pass never interleave.
      const one = Semaphore.makeUnsafe(1)
      const apply = (state: DesiredState.DesiredState, everything: boolean) =>
        Effect.gen(function* () {
          yield* cache.synced
          const wanted = new Set<string>()
          // One for the dispatch itself, so the count cannot reach zero before every fiber has been started.
          let remaining = 1
          const version = state.version
          const allSettled = yield* Deferred.make<void>()
          // Environments are independent of each other: synced side by side, each then starting its services.
          yield* Effect.forEach(
            state.environments,
            (environment) =>
              Effect.gen(function* () {
                // Unchanged since the last version (the source reuses what did not change): nothing to look at.
                if (!everything && applied.get(environment.environmentId) === environment) {
                  for (const service of environment.services) wanted.add(service.serviceId)
                  return
                }
                yield* SyncEnvironment.sync(environment).pipe(
                  Effect.tapError((error) =>
                    Effect.logWarning(`environment ${environment.namespace}: ${error.message}`),
                  ),
                  Effect.ignore,
                )
                for (const serviceId of yield* SyncEnvironment.departed(environment)) {
                  yield* FiberMap.remove(fibers, serviceId)
                  started.delete(serviceId)
                  yield* reporter.drop(serviceId)
                  yield* SyncEnvironment.removeService(environment, serviceId).pipe(
                    Effect.tapError((error) => Effect.logWarning(`pruning service ${serviceId}: ${error.message}`)),
                    Effect.ignore,
                  )
                }
                for (const service of environment.services) {
                  wanted.add(service.serviceId)
                  const { changed, digest } = changedSince(environment, service)
                  const running = yield* FiberMap.has(fibers, service.serviceId)
                  started.set(service.serviceId, { service, digest })
                  if (!changed && (running || !everything)) continue
                  remaining++
                  yield* FiberMap.run(
                    fibers,
                    service.serviceId,
                    ServiceLoop.run(environment, service).pipe(
                      Effect.onExit(() =>
                        Effect.suspend(() => {
                          remaining--
                          return remaining === 0 ? Deferred.succeed(allSettled, undefined) : Effect.void
                        }),
                      ),
                      Effect.provide(context),
                    ),
                  )
                }
              }),
            { concurrency: 16, discard: true },
          )
          for (const serviceId of started.keys()) {
            if (wanted.has(serviceId)) continue
            yield* FiberMap.remove(fibers, serviceId)
            started.delete(serviceId)
            yield* reporter.drop(serviceId)
          }
          applied.clear()
          for (const environment of state.environments) applied.set(environment.environmentId, environment)
          yield* SyncEnvironment.removeDeparted(state.environments).pipe(
            Effect.tapError((error) => Effect.logWarning(`pruning environments: ${error.message}`)),
            Effect.ignore,
          )
          remaining--
          if (remaining === 0) yield* Deferred.succeed(allSettled, undefined)
          // The version is applied once every service started for it has been through its first pass or settled.
          yield* Deferred.await(allSettled).pipe(Effect.andThen(reporter.applied(version)), Effect.forkIn(scope))
        }).pipe(Effect.provide(context), one.withPermits(1))

      const pass = Effect.gen(function* () {
        const state = yield* source.current
        if (state !== null) yield* apply(state, true)
        yield* FiberMap.awaitEmpty(fibers)
      })

      // Every version as it arrives; one at a time, the newest winning.
      yield* source.states.pipe(
        Stream.runForEach((state) => (state === null ? Effect.void : apply(state, false))),
        Effect.forkScoped,
      )
      // The periodic level-driven pass.
      yield* Effect.gen(function* () {
        for (;;) {
          yield* Effect.sleep(Duration.millis(settings.resyncMs))
          const state = yield* source.current
          if (state !== null) yield* apply(state, true)
        }
      }).pipe(Effect.forkScoped)

      return Supervisor.of({ pass, idle: FiberMap.awaitEmpty(fibers) })
    }),
  )
}
