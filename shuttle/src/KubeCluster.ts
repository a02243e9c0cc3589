import { Kube, type KubeError } from "@starform/kube"
import { Effect, Layer, Semaphore, Stream } from "effect"
import { Cluster, fieldManager } from "./Cluster.ts"
import * as Metrics from "./Metrics.ts"

/**
 * `Cluster` over the `Kube` service (`@starform/kube`, the one client of the Kubernetes API). Every request is
 * counted (`Metrics`, in the registry this layer is built with), and at most `maxInFlight` run at once (watches aside) so a thousand service fibers starting together
 * queue here instead of flooding the API server.
 */

export const layer = (options: { readonly maxInFlight?: number } = {}) =>
  Layer.effect(
    Cluster,
    Effect.gen(function* () {
      const kube = yield* Kube
      // Counted in this layer's registry, whichever fiber sends the request.
      const context = yield* Effect.context<never>()
      const count = (write: boolean) => {
        Metrics.requests.updateUnsafe(1, context)
        if (write) Metrics.writes.updateUnsafe(1, context)
      }
      const slots = Semaphore.makeUnsafe(options.maxInFlight ?? 32)
      const request = <A>(write: boolean, effect: Effect.Effect<A, KubeError>) =>
        slots.withPermits(1)(
          Effect.suspend(() => {
            count(write)
            return effect
          }),
        )
      return Cluster.of({
        apply: (object) => request(true, kube.apply(object, { fieldManager, force: true })),
        remove: (ref) =>
          request(
            true,
            kube
              .delete(ref, { propagationPolicy: "Background" })
              .pipe(Effect.catchTag("KubeNotFound", () => Effect.void)),
          ),
        get: (ref) => request(false, kube.get(ref).pipe(Effect.catchTag("KubeNotFound", () => Effect.succeed(null)))),
        list: (kind, labelSelector) =>
          request(
            false,
            kube
              .listAll({ apiVersion: kind.apiVersion, kind: kind.kind, labelSelector })
              .pipe(Effect.map((result) => ({ items: result.items, resourceVersion: result.resourceVersion }))),
          ),
        watch: (kind, labelSelector, resourceVersion) =>
          Stream.suspend(() => {
            count(false)
            return kube
              .watch({
                apiVersion: kind.apiVersion,
                kind: kind.kind,
                labelSelector,
                resourceVersion,
                allowBookmarks: true,
              })
              .pipe(
                Stream.map((event) =>
                  event.type === "BOOKMARK"
                    ? { type: "BOOKMARK" as const, resourceVersion: event.resourceVersion }
                    : { type: event.type, object: event.object },
                ),
              )
          }),
      })
    }),
  )
