import type { IncomingMessage, ServerResponse } from "node:http"
import type { Cluster } from "./Cluster.ts"
import { apiVersionOf, type ResourceType } from "./Registry.ts"
import { parseFieldSelector, parseLabelSelector } from "./Selectors.ts"
import { ApiError, badRequest } from "./Status.ts"
import { deliver, matchesFilter, type Watcher } from "./Store.ts"
import { json } from "./Wire.ts"

/** A list request's answer: one page of the collection, with its resourceVersion and continue token. */
export const serveList = (
  res: ServerResponse,
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
) => {
  const result = cluster.list(type, namespace, {
    labelSelector: query.get("labelSelector"),
    fieldSelector: query.get("fieldSelector"),
    limit: query.has("limit") ? Number(query.get("limit")) : 0,
    continue: query.get("continue"),
    resourceVersion: query.get("resourceVersion"),
    resourceVersionMatch: query.get("resourceVersionMatch"),
  })
  return json(res, 200, {
    kind: `${type.kind}List`,
    apiVersion: apiVersionOf(type),
    metadata: {
      resourceVersion: result.resourceVersion,
      ...(result.continue ? { continue: result.continue } : {}),
      ...(result.remainingItemCount !== undefined ? { remainingItemCount: result.remainingItemCount } : {}),
    },
    // Built-in lists carry items without apiVersion and kind; custom resources keep them.
    items: type.custom ? result.items : result.items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
  })
}

interface OpenWatch {
  readonly res: ServerResponse
  readonly type: ResourceType
  readonly bookmarks: boolean
  close(abrupt: boolean): void
}

/** The open watch streams: started from a request, sent bookmarks, dropped by faults and on close. */
export class Watches {
  private readonly open = new Set<OpenWatch>()
  private readonly cluster: Cluster
  constructor(cluster: Cluster) {
    this.cluster = cluster
  }

  get size(): number {
    return this.open.size
  }

  /** Sends a BOOKMARK to every watch that asked for them. */
  bookmark(): void {
    const rv = String(this.cluster.store.resourceVersion)
    for (const watch of this.open) {
      if (!watch.bookmarks) continue
      watch.res.write(
        `${JSON.stringify({ type: "BOOKMARK", object: { kind: watch.type.kind, apiVersion: apiVersionOf(watch.type), metadata: { resourceVersion: rv } } })}\n`,
      )
    }
  }

  drop(abrupt: boolean): number {
    const all = [...this.open]
    for (const watch of all) watch.close(abrupt)
    return all.length
  }

  serve(
    req: IncomingMessage,
    res: ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    name: string | undefined,
    query: URLSearchParams,
  ) {
    const labels = parseLabelSelector(query.get("labelSelector"))
    const fields = [
      ...parseFieldSelector(query.get("fieldSelector"), type.kind),
      ...(name !== undefined ? [{ field: "metadata.name", operator: "=" as const, value: name }] : []),
    ]
    const filter = { namespace, labels, fields }
    const rv = query.get("resourceVersion")
    const sendInitialEvents = query.get("sendInitialEvents") === "true"
    const bookmarks = query.get("allowWatchBookmarks") === "true"
    if (sendInitialEvents && query.get("resourceVersionMatch") !== "NotOlderThan")
      throw new ApiError(
        422,
        "Invalid",
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      )
    if (rv !== null && rv !== "" && Number.isNaN(Number(rv))) throw badRequest(`invalid resource version: ${rv}`)
    const store = this.cluster.store
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Transfer-Encoding": "chunked",
      "Cache-Control": "no-cache, private",
    })
    res.flushHeaders()
    const write = (eventType: string, object: unknown) => {
      if (!res.writableEnded) res.write(`${JSON.stringify({ type: eventType, object })}\n`)
    }
    let backlog: ReturnType<typeof store.eventsSince> = []
    try {
      if (!sendInitialEvents && rv !== null && rv !== "" && rv !== "0") backlog = store.eventsSince(type, Number(rv))
    } catch (error) {
      if (error instanceof ApiError) {
        write("ERROR", error.status)
        res.end()
        return
      }
      throw error
    }
    const initial = sendInitialEvents || rv === null || rv === "" || rv === "0"
    const watcher: Watcher = { resource: type, filter, send: write }
    const unwatch = store.addWatcher(watcher)
    let timer: NodeJS.Timeout | undefined
    const open: OpenWatch = {
      res,
      type,
      bookmarks,
      close: (abrupt) => {
        if (abrupt) res.destroy()
        else res.end()
      },
    }
    this.open.add(open)
    const cleanup = () => {
      unwatch()
      this.open.delete(open)
      if (timer) clearTimeout(timer)
    }
    res.on("close", cleanup)
    req.on("close", cleanup)
    if (initial) {
      for (const obj of store.list(type, namespace)) if (matchesFilter(filter, obj)) write("ADDED", obj)
      if (sendInitialEvents) {
        write("BOOKMARK", {
          kind: type.kind,
          apiVersion: apiVersionOf(type),
          metadata: {
            resourceVersion: String(store.resourceVersion),
            annotations: { "k8s.io/initial-events-end": "true" },
          },
        })
      }
    }
    for (const event of backlog) deliver(watcher, event)
    const timeoutSeconds = query.get("timeoutSeconds")
    if (timeoutSeconds !== null && Number(timeoutSeconds) > 0)
      timer = setTimeout(() => res.end(), Number(timeoutSeconds) * 1000)
  }
}
