import { randomUUID } from "node:crypto"
import { parse as parseYaml } from "yaml"
import { clone, deepEqual, isObject, type Json, type JsonObject } from "../Json.ts"
import type { KObject, ManagedFieldsEntry, ObjectMeta } from "../Objects.ts"
import { objectFrom, randomSuffix } from "../Objects.ts"
import { apply, type Scope, trackUpdate, view, withView } from "./Apply.ts"
import type { Cluster, PatchOptions, WriteOptions } from "./Cluster.ts"
import { applyDefaults, dropEmpty } from "./Defaults.ts"
import { pendingNamespace } from "./Deletion.ts"
import { jsonPatch, mergePatch, patchTypes, strategicMergePatch } from "./Patch.ts"
import { apiVersionOf, type ResourceType } from "./Registry.ts"
import { hintsFor } from "./Schema.ts"
import {
  alreadyExists,
  badRequest,
  internal,
  invalid,
  namespaceNotFound,
  namespaceTerminating,
  notFound,
  staleUpdate,
  unsupportedMediaType,
} from "./Status.ts"
import { bumpsGeneration, statusMetadata } from "./Strategy.ts"
import { checkFields } from "./UnknownFields.ts"
import { validate } from "./Validation.ts"

const systemMetadata = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "selfLink",
] as const

const checkNamespace = (cluster: Cluster, type: ResourceType, namespace: string | undefined, name: string) => {
  if (!type.namespaced) return
  if (!namespace) throw badRequest("the server could not find the requested resource: a namespace is required")
  const ns = cluster.store.get(cluster.resource("v1", "Namespace"), undefined, namespace)
  if (!ns) throw namespaceNotFound(namespace)
  if (ns.metadata.deletionTimestamp) throw namespaceTerminating(type, name, namespace)
}

/** A body's apiVersion, kind, namespace and name checked against the request, and filled in from it. */
const checkBody = (type: ResourceType, namespace: string | undefined, body: KObject, urlName?: string) => {
  if (!isObject(body)) throw badRequest("the body of the request was empty or not an object")
  if (!isObject(body.metadata)) body.metadata = {}
  if (body.apiVersion && body.apiVersion !== apiVersionOf(type))
    throw badRequest(
      `the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`,
    )
  if (body.kind && body.kind !== type.kind)
    throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${type.kind})`)
  body.apiVersion = apiVersionOf(type)
  body.kind = type.kind
  if (type.namespaced) {
    if (
      body.metadata.namespace !== undefined &&
      body.metadata.namespace !== "" &&
      body.metadata.namespace !== namespace
    )
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request")
    if (namespace !== undefined) body.metadata.namespace = namespace
  } else delete body.metadata.namespace
  if (urlName !== undefined && body.metadata.name !== undefined && body.metadata.name !== urlName)
    throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${urlName})`)
  if (urlName !== undefined && body.metadata.name === undefined) body.metadata.name = urlName
  const typeProblem = stringMapProblem(type, body)
  if (typeProblem) throw badRequest(typeProblem)
}

export const createObject = (
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  input: KObject,
  options: WriteOptions,
): KObject => {
  const body = clone(input)
  checkBody(type, namespace, body)
  checkDecoded(type, body, options, "decode")
  if (body.metadata.resourceVersion) throw internal("resourceVersion should not be set on objects to be created")
  if (!body.metadata.name && body.metadata.generateName) {
    body.metadata.name = `${body.metadata.generateName.slice(0, 58)}${randomSuffix()}`
  }
  checkNamespace(cluster, type, body.metadata.namespace, body.metadata.name ?? "")
  return insert(cluster, type, body, options, undefined)
}

/** The create path shared by POST and an apply that finds nothing: `managed` is set when apply computed it. */
const insert = (
  cluster: Cluster,
  type: ResourceType,
  body: KObject,
  options: WriteOptions,
  managed: ManagedFieldsEntry[] | undefined,
): KObject => {
  const name = body.metadata.name ?? ""
  const metadata = body.metadata
  for (const field of systemMetadata) delete metadata[field]
  metadata.uid = randomUUID()
  metadata.creationTimestamp = cluster.clock.iso()
  if (type.generation) metadata.generation = 1
  if (type.status && type.kind !== "Namespace") delete body.status
  applyDefaults(body, undefined, cluster.defaultsContext())
  for (const admit of cluster.admission) admit(type, body, undefined, cluster)
  dropEmpty(body, type.custom)
  const causes = validate(type, body, undefined)
  if (causes.length > 0) throw invalid(type, name, causes)
  for (const admit of cluster.validatingAdmission) admit(type, body, undefined, cluster)
  if (name && cluster.store.get(type, metadata.namespace, name)) throw alreadyExists(type, name)
  metadata.managedFields =
    managed ??
    trackUpdate({ type, scope: "", old: undefined, next: body, manager: options.manager, now: cluster.clock.iso() })
  if (metadata.managedFields.length === 0) delete metadata.managedFields
  if (options.dryRun) return body
  return cluster.store.put(type, body)
}

export const updateObject = (
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  input: KObject,
  options: WriteOptions,
): KObject => {
  const scope = options.scope ?? ""
  checkDecoded(type, input, options, "decode")
  // A status write keeps the spec from the stored object: only the status and the metadata it may change need
  // copying.
  const body: KObject = scope === "status" ? statusBody(type, input) : clone(input)
  checkBody(type, namespace, body, name)
  const old = cluster.get(type, namespace, name)
  if (body.metadata.resourceVersion && body.metadata.resourceVersion !== old.metadata.resourceVersion)
    throw staleUpdate(type, name)
  return replaceObject(cluster, type, old, body, options, scope, undefined)
}

/**
 * Writes `body` over `old`: server-owned metadata is kept, the scope limits what may change, defaults and
 * validation run, generation moves with the spec, and a write that changes nothing is not a write.
 */
export const replaceObject = (
  cluster: Cluster,
  type: ResourceType,
  old: KObject,
  body: KObject,
  options: WriteOptions,
  scope: Scope,
  managed: ManagedFieldsEntry[] | undefined,
): KObject => {
  const name = old.metadata.name ?? ""
  let next: KObject
  if (scope === "") {
    next = { ...body, metadata: { ...body.metadata } }
    for (const field of systemMetadata) {
      const value = old.metadata[field]
      if (value === undefined) delete next.metadata[field]
      else (next.metadata as Record<string, unknown>)[field] = value
    }
    if (old.metadata.name !== undefined) next.metadata.name = old.metadata.name
    if (old.metadata.namespace !== undefined) next.metadata.namespace = old.metadata.namespace
    if (type.status) {
      if (old.status === undefined) delete next.status
      else next.status = old.status
    }
  } else {
    next = withView(old, view(body, type, scope), type, scope)
  }
  // The spec of a status write is the stored one, already defaulted and valid; only metadata it changed is checked.
  if (scope !== "status") {
    applyDefaults(next, old, cluster.defaultsContext())
    for (const admit of cluster.admission) admit(type, next, old, cluster)
    dropEmpty(next, type.custom)
    const causes = validate(type, next, old)
    if (causes.length > 0) throw invalid(type, name, causes)
    for (const admit of cluster.validatingAdmission) admit(type, next, old, cluster)
  } else if (!deepEqual(withoutSystem(old.metadata), withoutSystem(next.metadata))) {
    const causes = validate(type, next, old)
    if (causes.length > 0) throw invalid(type, name, causes)
  }
  if (scope !== "status" && bumpsGeneration(type, old, next))
    next.metadata.generation = (old.metadata.generation ?? 1) + 1
  next.metadata.managedFields =
    managed ?? trackUpdate({ type, scope, old, next, manager: options.manager, now: cluster.clock.iso() })
  if (next.metadata.managedFields.length === 0) delete next.metadata.managedFields
  if (unchanged(old, next)) return old
  if (options.dryRun) return next
  if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && !pendingNamespace(next)) {
    return cluster.store.remove(type, next)
  }
  return cluster.store.put(type, next)
}

export const patchObject = (
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  contentType: string,
  raw: string,
  options: PatchOptions,
): { readonly object: KObject; readonly created: boolean } => {
  const scope = options.scope ?? ""
  if (contentType === "application/apply-patch+yaml" || contentType === "application/apply-patch+cbor")
    return applyObject(cluster, type, namespace, name, raw, options)
  if (options.force !== undefined) throw badRequest("force flag must be unset for non-apply patch requests")
  let patch: Json
  try {
    patch = JSON.parse(raw) as Json
  } catch (error) {
    throw badRequest(`error decoding patch: ${(error as Error).message}`)
  }
  const old = cluster.get(type, namespace, name)
  const base: Json = clone(old)
  let patched: Json
  switch (contentType) {
    case "application/json-patch+json":
      patched = jsonPatch(base, patch)
      break
    case "application/merge-patch+json":
      patched = mergePatch(base, patch)
      break
    case "application/strategic-merge-patch+json":
      if (type.custom)
        throw unsupportedMediaType(contentType, [
          "application/json-patch+json",
          "application/merge-patch+json",
          "application/apply-patch+yaml",
        ])
      patched = strategicMergePatch(base, patch, hintsFor(type.kind))
      break
    default:
      throw unsupportedMediaType(contentType, patchTypes)
  }
  if (!isObject(patched)) throw badRequest("the patch produced something other than an object")
  const body = objectFrom(patched)
  if (body.metadata.resourceVersion && body.metadata.resourceVersion !== old.metadata.resourceVersion)
    throw staleUpdate(type, name)
  checkBody(type, namespace, body, name)
  checkDecoded(type, body, options, "decode")
  return { object: replaceObject(cluster, type, old, body, options, scope, undefined), created: false }
}

const applyObject = (
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  raw: string,
  options: PatchOptions,
): { readonly object: KObject; readonly created: boolean } => {
  const scope = options.scope ?? ""
  if (!options.manager)
    throw badRequest(
      "PATCH requests with apply content type must have a field manager: fieldManager is required for apply requests",
    )
  let parsed: unknown
  try {
    // Most clients send JSON, which reads the same as YAML and parses far faster; anything else is YAML 1.1,
    // as the API server's parser reads it.
    parsed = raw.trimStart().startsWith("{") ? JSON.parse(raw) : parseYaml(raw, { version: "1.1" })
  } catch {
    try {
      parsed = parseYaml(raw, { version: "1.1" })
    } catch (error) {
      throw badRequest(`error decoding YAML: ${(error as Error).message}`)
    }
  }
  if (!isObject(parsed)) throw badRequest("the body of an apply request must be an object")
  const body = objectFrom(parsed)
  if (!body.apiVersion || !body.kind)
    throw badRequest(
      `apply patch must specify apiVersion and kind (got apiVersion ${JSON.stringify(body.apiVersion)}, kind ${JSON.stringify(body.kind)})`,
    )
  if (body.metadata.managedFields !== undefined) throw badRequest("metadata.managedFields must be nil")
  checkBody(type, namespace, body, name)
  checkDecoded(type, body, options, "apply")
  const live = cluster.find(type, namespace, name)
  if (body.metadata.resourceVersion && body.metadata.resourceVersion !== live?.metadata.resourceVersion)
    throw live ? staleUpdate(type, name) : notFound(type, name)
  const now = cluster.clock.iso()
  const merged = apply({
    type,
    scope,
    live,
    applied: body,
    manager: options.manager,
    force: options.force ?? false,
    now,
  })
  if (!live) {
    if (scope !== "") throw notFound(type, name)
    checkNamespace(cluster, type, namespace, name)
    const managed = merged.metadata.managedFields ?? []
    merged.metadata.name = name
    if (type.namespaced && namespace !== undefined) merged.metadata.namespace = namespace
    return { object: insert(cluster, type, merged, options, managed), created: true }
  }
  const managed = merged.metadata.managedFields ?? []
  return { object: replaceObject(cluster, type, live, merged, options, scope, managed), created: false }
}

/** Maps of strings where decoding would fail in the API server (a YAML `on` read as a boolean, a number). */
const stringMapProblem = (type: ResourceType, obj: KObject): string | undefined => {
  const maps: Array<[string, unknown]> = [
    ["metadata.labels", obj.metadata.labels],
    ["metadata.annotations", obj.metadata.annotations],
  ]
  if (type.kind === "ConfigMap") maps.push(["data", obj.data])
  if (type.kind === "Secret") maps.push(["data", obj.data], ["stringData", obj.stringData])
  for (const [field, map] of maps) {
    if (map === undefined || map === null) continue
    if (!isObject(map as Json))
      return `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: json: cannot unmarshal ${typeof map} into Go struct field of type map[string]string`
    for (const [key, value] of Object.entries(map as JsonObject)) {
      if (typeof value !== "string")
        return `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: .${field}.${key}: expected string, got ${JSON.stringify(value)}`
    }
  }
  return undefined
}

/** Applies the request's field validation to a body it decoded (the caller's own: pruning changes it). */
const checkDecoded = (type: ResourceType, body: KObject, options: WriteOptions, style: "decode" | "apply") => {
  if (options.fieldValidation === undefined) return
  const warnings = checkFields(type, body, options.fieldValidation, style)
  if (warnings.length > 0) options.warnings?.push(...warnings)
}

/** A status write's body: its status, and (copied) the metadata members a status write may change. */
const statusBody = (type: ResourceType, input: KObject): KObject => {
  const metadata: ObjectMeta = { ...input.metadata }
  for (const field of statusMetadata(type))
    if (metadata[field] !== undefined) Object.assign(metadata, { [field]: clone(metadata[field]) })
  const { status, ...rest } = input
  return { ...rest, metadata, ...(status === undefined ? {} : { status: clone(status) }) }
}

const withoutSystem = (metadata: ObjectMeta) => {
  const { managedFields: _f, resourceVersion: _r, ...rest } = metadata
  return rest
}

const withoutTimes = (entries: ManagedFieldsEntry[] | undefined) => (entries ?? []).map(({ time: _t, ...rest }) => rest)

const unchanged = (old: KObject, next: KObject): boolean => {
  const { managedFields: a, resourceVersion: _ra, ...oldMeta } = old.metadata
  const { managedFields: b, resourceVersion: _rb, ...nextMeta } = next.metadata
  if (!deepEqual(oldMeta, nextMeta)) return false
  if (!deepEqual(withoutTimes(a), withoutTimes(b))) return false
  const { metadata: _mo, ...oldRest } = old
  const { metadata: _mn, ...nextRest } = next
  return deepEqual(oldRest, nextRest)
}
