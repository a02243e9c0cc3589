import type { Verb } from "../Faults.ts"
import type { Registry, ResourceType } from "./Registry.ts"
import { ApiError, methodNotAllowed } from "./Status.ts"

/** What a request path names: a discovery document, or a resource with its namespace, name and subresource. */
export interface Route {
  readonly type: ResourceType | undefined
  readonly namespace: string | undefined
  readonly name: string | undefined
  readonly subresource: string | undefined
  readonly discovery?: unknown
  readonly watchPath: boolean
}

/** Resolves a request path against the registry; `hostPort` is what `/api` names as the server's address. */
export const routeOf = (pathname: string, registry: Registry, hostPort: () => string): Route => {
  const parts = pathname
    .split("/")
    .filter((p) => p.length > 0)
    .map(decodeURIComponent)
  const none = { type: undefined, namespace: undefined, name: undefined, subresource: undefined, watchPath: false }
  let groupVersion: string
  let rest: string[]
  if (parts[0] === "api") {
    if (parts.length === 1) return { ...none, discovery: registry.apiVersions(hostPort()) }
    groupVersion = parts[1]!
    rest = parts.slice(2)
  } else if (parts[0] === "apis") {
    if (parts.length === 1) return { ...none, discovery: registry.apiGroupList() }
    if (parts.length === 2) {
      const group = registry.apiGroup(parts[1]!)
      if (!group) throw new ApiError(404, "NotFound", "the server could not find the requested resource")
      return { ...none, discovery: group }
    }
    groupVersion = `${parts[1]}/${parts[2]}`
    rest = parts.slice(3)
  } else if (parts[0] === "version" && parts.length === 1) {
    return {
      ...none,
      discovery: {
        major: "1",
        minor: "33",
        gitVersion: "v1.33.0+kube-sim",
        gitCommit: "kube-sim",
        gitTreeState: "clean",
        buildDate: "2025-01-01T00:00:00Z",
        goVersion: "go1.24",
        compiler: "gc",
        platform: "linux/amd64",
      },
    }
  } else {
    throw new ApiError(404, "NotFound", "the server could not find the requested resource")
  }
  if (rest.length === 0) {
    const list = registry.apiResourceList(groupVersion)
    if (!list) throw new ApiError(404, "NotFound", "the server could not find the requested resource")
    return { ...none, discovery: list }
  }
  let watchPath = false
  if (rest[0] === "watch") {
    watchPath = true
    rest = rest.slice(1)
  }
  let namespace: string | undefined
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const candidate = registry.byResource(groupVersion, rest[2]!)
    if (candidate?.namespaced) {
      namespace = rest[1]
      rest = rest.slice(2)
    }
  }
  const type = registry.byResource(groupVersion, rest[0]!)
  if (!type) throw new ApiError(404, "NotFound", "the server could not find the requested resource")
  if (type.namespaced && namespace === undefined && rest.length > 1)
    throw new ApiError(404, "NotFound", "the server could not find the requested resource")
  return { type, namespace, name: rest[1], subresource: rest[2], watchPath }
}

/** The verb a request is authorized and counted under. */
export const classify = (method: string, route: Route, query: URLSearchParams, contentType: string): Verb => {
  if (route.discovery !== undefined) return "discovery"
  const collection = route.name === undefined
  switch (method) {
    case "GET":
      if (route.watchPath || query.get("watch") === "true" || query.get("watch") === "1") return "watch"
      return collection ? "list" : "get"
    case "POST":
      return "create"
    case "PUT":
      return "update"
    case "PATCH":
      return contentType.startsWith("application/apply-patch") ? "apply" : "patch"
    case "DELETE":
      return collection ? "deletecollection" : "delete"
    default:
      throw methodNotAllowed(method)
  }
}
