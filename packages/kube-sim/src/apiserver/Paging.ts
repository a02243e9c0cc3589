import type { KObject } from "../Objects.ts"
import type { ListOptions, ListResult } from "./Cluster.ts"
import type { ResourceType } from "./Registry.ts"
import { parseFieldSelector, parseLabelSelector } from "./Selectors.ts"
import { ApiError, badRequest, gone, timeout } from "./Status.ts"
import { matchesFilter, type Store } from "./Store.ts"

/**
 * A list read: the selectors applied, sorted by namespace and name, cut into pages whose continue token
 * remembers the revision of the first page.
 */
export const listObjects = (
  store: Store,
  type: ResourceType,
  namespace: string | undefined,
  options: ListOptions,
): ListResult => {
  const labels = parseLabelSelector(options.labelSelector)
  const fields = parseFieldSelector(options.fieldSelector, type.kind)
  const current = store.resourceVersion
  const requested = options.resourceVersion ? Number(options.resourceVersion) : undefined
  if (requested !== undefined && Number.isNaN(requested))
    throw badRequest(`invalid resource version: ${options.resourceVersion}`)
  if (requested !== undefined && requested > current)
    throw timeout(`Too large resource version: ${requested}, current: ${current}`)
  // Only the newest state is kept: an exact read of an older one answers as if etcd had compacted it away.
  if (options.resourceVersionMatch === "Exact" && requested !== undefined && requested < current)
    throw gone(`too old resource version: ${requested} (${current})`)
  let start = ""
  let listRv = current
  let objects: KObject[]
  if (options.continue) {
    // Later pages show the objects as they were when the first page was read (etcd's snapshot at that revision).
    const token = decodeContinue(options.continue)
    const expired = gone(
      "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
    )
    if (token.rv < store.compactedResourceVersion) throw expired
    try {
      objects = store.listAt(type, namespace, token.rv)
    } catch (error) {
      if (error instanceof ApiError && error.code === 410) throw expired
      throw error
    }
    start = token.start
    listRv = token.rv
  } else objects = store.list(type, namespace)
  const all = objects
    .filter((obj) => matchesFilter({ labels, fields }, obj))
    .filter((obj) => sortKey(obj) > start)
    .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1))
  const limit = options.limit && options.limit > 0 ? options.limit : undefined
  if (limit === undefined || all.length <= limit) return { items: all, resourceVersion: String(listRv) }
  const items = all.slice(0, limit)
  return {
    items,
    resourceVersion: String(listRv),
    continue: encodeContinue({ rv: listRv, start: sortKey(items[items.length - 1]!) }),
    remainingItemCount: all.length - limit,
  }
}

const sortKey = (obj: KObject) => `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`

const encodeContinue = (token: { rv: number; start: string }) =>
  Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: token.rv, start: token.start })).toString("base64")

const decodeContinue = (text: string): { rv: number; start: string } => {
  try {
    const parsed = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as { rv?: unknown; start?: unknown }
    if (typeof parsed.rv === "number" && typeof parsed.start === "string") return { rv: parsed.rv, start: parsed.start }
  } catch {
    // falls through to the 400 below
  }
  throw badRequest(`invalid continue token: ${text}`)
}
