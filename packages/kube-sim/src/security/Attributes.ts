/** Who is asking: what authentication found, what authorization and admission see. */
export interface UserInfo {
  readonly username: string
  readonly uid?: string
  readonly groups: ReadonlyArray<string>
  readonly extra?: Readonly<Record<string, ReadonlyArray<string>>>
}

/**
 * What a request asks to do, in the terms authorization judges it by (kube-apiserver's RequestInfo): a verb on a
 * resource (with its API group, subresource, name and namespace), or a verb on a non-resource path such as `/api`.
 */
export interface Attributes {
  readonly resourceRequest: boolean
  /** get, list, watch, create, update, patch, delete, deletecollection; for non-resource paths the lowercased method. */
  readonly verb: string
  readonly path: string
  readonly apiGroup: string
  readonly apiVersion: string
  readonly resource: string
  readonly subresource: string
  readonly name: string
  readonly namespace: string
}

const namespaceSubresources = new Set(["status", "finalize"])

const nonResource = (method: string, path: string): Attributes => ({
  resourceRequest: false,
  verb: method.toLowerCase(),
  path,
  apiGroup: "",
  apiVersion: "",
  resource: "",
  subresource: "",
  name: "",
  namespace: "",
})

/**
 * Reads a request's attributes from its method, path and query alone, as the real server does before it knows
 * whether the resource exists: a refused caller gets 403 even for a resource that is not there. An apply is a
 * `patch`; `?watch=true` and `/watch/` paths are `watch`; `/api/v1/namespaces/ns` is namespace `ns` itself.
 */
export const attributesOf = (method: string, path: string, query: URLSearchParams): Attributes => {
  const parts = path
    .split("/")
    .filter((part) => part.length > 0)
    .map(decodeURIComponent)
  let rest: ReadonlyArray<string>
  let apiGroup = ""
  let apiVersion: string
  if (parts[0] === "api" && parts.length >= 3) {
    apiVersion = parts[1]!
    rest = parts.slice(2)
  } else if (parts[0] === "apis" && parts.length >= 4) {
    apiGroup = parts[1]!
    apiVersion = parts[2]!
    rest = parts.slice(3)
  } else {
    return nonResource(method, path)
  }
  let verb: string
  switch (method) {
    case "POST":
      verb = "create"
      break
    case "GET":
    case "HEAD":
      verb = "get"
      break
    case "PUT":
      verb = "update"
      break
    case "PATCH":
      verb = "patch"
      break
    case "DELETE":
      verb = "delete"
      break
    default:
      verb = ""
  }
  if (rest[0] === "watch") {
    verb = "watch"
    rest = rest.slice(1)
  }
  let namespace = ""
  if (rest[0] === "namespaces" && rest.length >= 2) {
    namespace = rest[1]!
    // `/namespaces/ns/pods/...` names a namespaced resource; `/namespaces/ns[/status|/finalize]` the namespace.
    if (rest.length > 2 && !namespaceSubresources.has(rest[2]!)) rest = rest.slice(2)
  }
  const resource = rest[0] ?? ""
  let name = rest[1] ?? ""
  const subresource = rest[2] ?? ""
  if (name === "" && verb === "get") {
    verb = ["true", "1"].includes(query.get("watch") ?? "") ? "watch" : "list"
  }
  if (name === "" && verb === "delete") verb = "deletecollection"
  // A list or watch of one object by `metadata.name` is judged as a request for that name (resourceNames rules).
  if (name === "" && (verb === "list" || verb === "watch")) name = exactName(query.get("fieldSelector")) ?? ""
  return { resourceRequest: true, verb, path, apiGroup, apiVersion, resource, subresource, name, namespace }
}

const exactName = (fieldSelector: string | null): string | undefined => {
  for (const term of (fieldSelector ?? "").split(",")) {
    const match = /^\s*metadata\.name\s*==?\s*([^\s=!]+)\s*$/.exec(term)
    if (match) return match[1]
  }
  return undefined
}

/** The resource as RBAC rules and messages name it: `deployments/status` for a subresource. */
export const combinedResource = (attributes: Attributes): string =>
  attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource
