import { gunzipSync, gzipSync } from "node:zlib"
import type { DesiredState } from "@starform/domain"
import type { KubeObject } from "@starform/manifests"
import { Context, Effect, Layer, Queue, Result, Schema, type Stream, SubscriptionRef } from "effect"
import * as Backoff from "./Backoff.ts"
import { Cluster } from "./Cluster.ts"
import * as Document from "./Document.ts"
import { CurrentSettings } from "./Settings.ts"
import { Starbase } from "./Starbase.ts"

/**
 * Where the desired state comes from: the projects service by long-poll, and, when it cannot be reached, the last
 * version cached in the cluster (a Secret in Shuttle's namespace: the document holds variable values). The cache
 * keeps the document's exact bytes, so what is loaded from it is checked against its hash like what comes over the
 * wire. A new version is acted on at once and cached alongside (the newest wins): a Shuttle restarted while Starbase
 * is down carries on with the last version it cached.
 */

export const cacheName = "shuttle-desired-state"
const cacheKey = "desired-state.json.gz"

/** What the cache Secret holds is not a cached version (written by another release, or damaged). */
export class CacheUnreadable extends Schema.TaggedError<CacheUnreadable>()("CacheUnreadable", {
  detail: Schema.String,
}) {
  override get message() {
    return `the Secret ${cacheName} does not hold a cached desired state (${this.detail}); it is rewritten with the next version`
  }
}

const decodeCached = Schema.decodeUnknownResult(Schema.fromJsonString(Document.Sent))

/** The version cached in the Secret (null: none is). */
const sentIn = (secret: KubeObject.KubeObject | null): Result.Result<Document.Sent | null, CacheUnreadable> => {
  const data = secret !== null && "data" in secret && isRecord(secret.data) ? secret.data[cacheKey] : undefined
  if (typeof data !== "string") return Result.succeed(null)
  return Result.try({
    try: () => gunzipSync(Buffer.from(data, "base64")).toString("utf8"),
    catch: (error) => new CacheUnreadable({ detail: `not gzip: ${error}` }),
  }).pipe(
    Result.flatMap((text) =>
      Result.mapError(decodeCached(text), (error) => new CacheUnreadable({ detail: error.message })),
    ),
  )
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

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
      let memo = Document.emptyMemo

      const cachedSecret = yield* cluster
        .get(ref)
        .pipe(Effect.retry(Backoff.schedule("100 millis", settings.retryCapMs)))
      let cached: DesiredState.DesiredState | null = null
      const fromCache = Result.flatMap(sentIn(cachedSecret), (sent) =>
        sent === null ? Result.succeed(null) : Document.open(sent, memo),
      )
      if (Result.isFailure(fromCache)) {
        yield* Effect.logWarning(
          `the cached desired state is unusable, waiting for the projects service: ${fromCache.failure.message}`,
        )
      } else if (fromCache.success !== null) {
        memo = fromCache.success.memo
        cached = fromCache.success.state
        yield* Effect.logInfo(`desired state version ${cached.version} loaded from the cluster cache`)
      }
      const state = yield* SubscriptionRef.make<DesiredState.DesiredState | null>(cached)
      let reachable = false

      // The cache is written in the background, newest first: acting on a version never waits for its caching.
      const toCache = yield* Queue.sliding<Document.Sent>(1)
      yield* Effect.gen(function* () {
        for (;;) {
          const sent = yield* Queue.take(toCache)
          const secret: KubeObject.Unstructured = {
            apiVersion: "v1",
            kind: "Secret",
            metadata: {
              name: cacheName,
              namespace: settings.namespace,
              labels: { "app.kubernetes.io/part-of": "starform" },
            },
            type: "Opaque",
            data: { [cacheKey]: gzipSync(JSON.stringify(sent)).toString("base64") },
          }
          yield* cluster.apply(secret).pipe(Effect.retry(Backoff.schedule("100 millis", settings.retryCapMs)))
        }
      }).pipe(Effect.forkScoped)

      const poll = Effect.gen(function* () {
        const known = (yield* SubscriptionRef.get(state))?.version ?? 0
        const answer = yield* starbase
          .getDesiredState(known, settings.pollWaitMs)
          .pipe(Effect.tapError(() => Effect.sync(() => (reachable = false))))
        reachable = true
        if (answer._tag !== "ChangedDocument" || answer.version <= known) return
        const sent = { version: answer.version, hash: answer.hash, document: answer.document }
        const opened = yield* Effect.fromResult(Document.open(sent, memo))
        memo = opened.memo
        yield* SubscriptionRef.set(state, opened.state)
        yield* Queue.offer(toCache, sent)
      })
      yield* poll.pipe(
        Effect.tapError((error) =>
          Effect.logWarning(
            error._tag === "DocumentCorrupt" || error._tag === "DocumentInvalid"
              ? `desired state refused, going on from the cache: ${error.message}`
              : `desired state not fetched, going on from the cache: ${error.message}`,
          ),
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
