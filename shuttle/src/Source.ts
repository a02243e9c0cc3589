import { gunzipSync, gzipSync } from "node:zlib"
import { DesiredState } from "@starform/domain"
import { Context, Effect, Layer, Schema, type Stream, SubscriptionRef } from "effect"
import * as Backoff from "./Backoff.ts"
import { Cluster } from "./Cluster.ts"
import { CurrentSettings } from "./Settings.ts"
import { Starbase } from "./Starbase.ts"

/**
 * Where the desired state comes from: the projects service by long-poll, and, when it cannot be reached, the last
 * version cached in the cluster (a Secret in Shuttle's namespace: the document holds variable values). A version
 * is cached before it is acted on, so a Shuttle restarted while Starbase is down carries on with what it had.
 */

export const cacheName = "shuttle-desired-state"
const cacheKey = "desired-state.json.gz"

const decode = Schema.decodeUnknownSync(DesiredState.DesiredState)

export class Source extends Context.Service<
  Source,
  {
    /** The desired state now (null until one is known), then every newer version. */
    readonly states: Stream.Stream<DesiredState.DesiredState | null>
    readonly current: Effect.Effect<DesiredState.DesiredState | null>
    /** Whether the last call to the projects service got an answer. */
    readonly reachable: Effect.Effect<boolean>
  }
>()("starform/shuttle/Source") {
  static readonly layer = Layer.effect(
    Source,
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const starbase = yield* Starbase
      const settings = yield* CurrentSettings
      const ref = { apiVersion: "v1", kind: "Secret", namespace: settings.namespace, name: cacheName }

      const cached = yield* cluster.get(ref).pipe(
        Effect.retry(Backoff.schedule("100 millis", settings.retryCapMs)),
        Effect.map((secret) => {
          const data = (secret as { data?: Record<string, string> } | null)?.data?.[cacheKey]
          if (data === undefined) return null
          try {
            return decode(JSON.parse(gunzipSync(Buffer.from(data, "base64")).toString("utf8")))
          } catch {
            return null
          }
        }),
      )
      if (cached !== null)
        yield* Effect.logInfo(`desired state version ${cached.version} loaded from the cluster cache`)
      const state = yield* SubscriptionRef.make<DesiredState.DesiredState | null>(cached)
      let reachable = false

      const save = (desired: DesiredState.DesiredState) =>
        cluster.apply({
          apiVersion: "v1",
          kind: "Secret",
          metadata: {
            name: cacheName,
            namespace: settings.namespace,
            labels: { "app.kubernetes.io/part-of": "starform" },
          },
          type: "Opaque",
          data: { [cacheKey]: gzipSync(DesiredState.serialize(desired)).toString("base64") },
        } as never)

      const poll = Effect.gen(function* () {
        const known = (yield* SubscriptionRef.get(state))?.version ?? 0
        const answer = yield* starbase
          .getDesiredState(known, settings.pollWaitMs)
          .pipe(Effect.tapError(() => Effect.sync(() => (reachable = false))))
        reachable = true
        if (answer._tag === "Changed" && answer.state.version > known) {
          yield* save(answer.state).pipe(Effect.retry(Backoff.schedule("100 millis", settings.retryCapMs)))
          yield* SubscriptionRef.set(state, answer.state)
        }
      })
      yield* poll.pipe(
        Effect.tapError((error) =>
          Effect.logWarning(`desired state not fetched, going on from the cache: ${error.message}`),
        ),
        Effect.retry(Backoff.schedule("200 millis", settings.retryCapMs)),
        Effect.forever,
        Effect.forkScoped,
      )

      return Source.of({
        states: SubscriptionRef.changes(state),
        current: SubscriptionRef.get(state),
        reachable: Effect.sync(() => reachable),
      })
    }),
  )
}
