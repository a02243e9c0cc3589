import type { KubeConfig } from "@kubernetes/client-node"
import { Watch } from "@kubernetes/client-node"
import { Cause, Effect, Queue, Stream } from "effect"
import { fromResponse, fromTransport, type KubeError } from "./KubeErrors.ts"
import { type KubeObject, selectorText, type WatchEvent, type WatchQuery } from "./Requests.ts"

/**
 * One watch connection at `path` as a Stream, over the client's `Watch` (its auth and TLS). It ends when the server
 * closes the watch and fails with the server's error (Gone for a resourceVersion too old); closing the stream aborts
 * the connection.
 */
export const follow = <A extends KubeObject>(
  kc: KubeConfig,
  path: string,
  query: WatchQuery,
  target: string,
): Stream.Stream<WatchEvent<A>, KubeError> =>
  Stream.callback<WatchEvent<A>, KubeError>((queue) =>
    Effect.gen(function* () {
      const watcher = new Watch(kc)
      const params: Record<string, string> = {}
      const selector = selectorText(query.labelSelector)
      if (selector) params.labelSelector = selector
      if (query.fieldSelector) params.fieldSelector = query.fieldSelector
      if (query.resourceVersion !== undefined) params.resourceVersion = query.resourceVersion
      if (query.allowBookmarks) params.allowWatchBookmarks = "true"
      if (query.sendInitialEvents) {
        params.sendInitialEvents = "true"
        params.resourceVersionMatch = "NotOlderThan"
      }
      if (query.timeoutSeconds !== undefined) params.timeoutSeconds = String(query.timeoutSeconds)
      const fail = (error: KubeError) => Queue.failCauseUnsafe(queue, Cause.fail(error))
      const controller = yield* Effect.promise(() =>
        watcher.watch(
          path,
          params,
          (type: string, object: unknown) => {
            const obj = (object ?? {}) as {
              code?: number
              message?: string
              metadata?: { resourceVersion?: string; annotations?: Record<string, string> }
            }
            if (type === "ERROR") {
              fail(fromResponse(target, obj.code ?? 500, JSON.stringify(obj)))
              return
            }
            if (type === "BOOKMARK") {
              Queue.offerUnsafe(queue, {
                type: "BOOKMARK",
                resourceVersion: obj.metadata?.resourceVersion ?? "",
                initialEventsEnd: obj.metadata?.annotations?.["k8s.io/initial-events-end"] === "true",
              })
              return
            }
            if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") {
              const item = object as A
              Queue.offerUnsafe(queue, {
                type,
                object: {
                  ...item,
                  apiVersion: item.apiVersion ?? query.apiVersion,
                  kind: item.kind ?? query.kind,
                } as A,
              })
            }
          },
          (error: unknown) => {
            if (error === null || error === undefined) {
              Queue.endUnsafe(queue)
              return
            }
            const statusCode = (error as { statusCode?: unknown }).statusCode
            if (typeof statusCode === "number") {
              fail(fromResponse(target, statusCode, ""))
              return
            }
            // The client's inactivity timeout: the watch is over, not broken.
            if (
              (error as { name?: unknown }).name === "TimeoutError" ||
              (error as { name?: unknown }).name === "AbortError"
            ) {
              Queue.endUnsafe(queue)
              return
            }
            fail(fromTransport(target, error))
          },
        ),
      )
      yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
    }),
  )
