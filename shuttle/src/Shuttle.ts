import { Effect, Layer } from "effect"
import * as Backoff from "./Backoff.ts"
import { Cache } from "./Cache.ts"
import { Cluster } from "./Cluster.ts"
import { Inventories } from "./Inventories.ts"
import { Reporter } from "./Reporter.ts"
import { CurrentSettings, type Settings } from "./Settings.ts"
import { Source } from "./Source.ts"
import { Supervisor } from "./Supervisor.ts"

/**
 * Shuttle's own namespace, created if the install did not (under `npm start` nothing installs it): the cached
 * desired state and the namespace inventory live there. It is not labelled as managed, so it is never pruned.
 */
const home = Layer.effectDiscard(
  Effect.gen(function* () {
    const cluster = yield* Cluster
    const settings = yield* CurrentSettings
    const ref = { apiVersion: "v1", kind: "Namespace", namespace: "", name: settings.namespace }
    const existing = yield* cluster.get(ref)
    if (existing === null) {
      yield* cluster.apply({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: settings.namespace, labels: { "app.kubernetes.io/part-of": "starform" } },
      })
    }
  }).pipe(Effect.retry(Backoff.schedule("100 millis", "2 seconds"))),
)

/**
 * Shuttle as one layer: the cache of the cluster, the desired-state source, the reporter and the supervisor that
 * runs the service fibers. It needs a `Cluster` (the Kubernetes API) and a `Starbase` (the projects service).
 */
export const layer = (settings: Settings) =>
  Supervisor.layer.pipe(
    Layer.provideMerge(Reporter.layer),
    Layer.provideMerge(Source.layer),
    Layer.provideMerge(Inventories.layer),
    Layer.provideMerge(Cache.layer),
    Layer.provideMerge(home),
    Layer.provideMerge(Layer.succeed(CurrentSettings, settings)),
  )
