import type { DeploymentsApi, Ids } from "@starform/domain"
import { Context, Deferred, Effect, Layer, Schedule, Stream } from "effect"
import { call, type ProjectsClient } from "./ProjectsClient.ts"

/**
 * `GET /v1/environments/{id}/deployments/stream`: what an open dashboard page watches instead of asking again and
 * again (which would spend the person's request budget). The gateway reads the environment's services and their
 * newest deployments from the projects service every `intervalMs` and sends the whole picture as one event when
 * anything in it changed, first at once. One long request per page, however many services it shows. Access is
 * decided when it opens, so it ends after `maxOpenMs` (and when the environment can no longer be read): the client
 * reconnects and is authorized again, so a person removed from the workspace stops seeing its deployments.
 */

export const intervalMs = 250
export const maxOpenMs = 5 * 60_000

/**
 * Done when the gateway stops: open streams end then, so a stop does not wait out the server's 20-second grace
 * period for every open dashboard page. `Gateway.layer` completes it before the server starts its graceful close;
 * unprovided (a test serving the routes alone) it is never done.
 */
export const Stopping = Context.Reference<Deferred.Deferred<void>>("starform/gateway/Stopping", {
  defaultValue: () => Deferred.makeUnsafe<void>(),
})

/** Provides a fresh `Stopping` and completes it when the layer is released. */
export const stopOnRelease = <A, E, R>(served: Layer.Layer<A, E, R>): Layer.Layer<A, E, R> =>
  Layer.unwrap(
    Effect.map(Deferred.make<void>(), (stopping) =>
      Layer.effectDiscard(Effect.addFinalizer(() => Deferred.succeed(stopping, undefined))).pipe(
        Layer.provideMerge(served),
        Layer.provide(Layer.succeed(Stopping, stopping)),
      ),
    ),
  )

const snapshot = (projects: ProjectsClient["Service"], environmentId: Ids.EnvironmentId, limit: number) =>
  Effect.gen(function* () {
    const services = yield* call(projects.ListServices({ environmentId }))
    return yield* Effect.forEach(
      services,
      (service) =>
        Effect.map(
          call(projects.ListDeployments({ serviceId: service.id, limit })),
          (deployments): DeploymentsApi.ServiceDeployments => ({ serviceId: service.id, deployments }),
        ),
      { concurrency: 4 },
    )
  })

export const watch = (
  projects: ProjectsClient["Service"],
  stopping: Deferred.Deferred<void>,
  environmentId: Ids.EnvironmentId,
  limit: number,
): Stream.Stream<ReadonlyArray<DeploymentsApi.ServiceDeployments>> =>
  Stream.fromEffectSchedule(snapshot(projects, environmentId, limit), Schedule.spaced(`${intervalMs} millis`)).pipe(
    Stream.changesWith((a, b) => JSON.stringify(a) === JSON.stringify(b)),
    // A service deleted between the two reads, or the environment gone: the stream ends, the client reconnects.
    Stream.catchCause(() => Stream.empty),
    Stream.interruptWhen(Effect.race(Effect.sleep(`${maxOpenMs} millis`), Deferred.await(stopping))),
  )
