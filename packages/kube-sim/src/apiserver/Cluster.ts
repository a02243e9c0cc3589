import { randomUUID } from "node:crypto"
import { parse as parseYaml } from "yaml"
import type { SimClock } from "../Clock.ts"
import { clone, deepEqual, isObject, type Json, type JsonObject } from "../Json.ts"
import type { KObject, ManagedFieldsEntry, ObjectMeta } from "../Objects.ts"
import { objectFrom, randomSuffix } from "../Objects.ts"
import { apply, type Scope, trackUpdate, view, withView } from "./Apply.ts"
import { applyDefaults, dropEmpty } from "./Defaults.ts"
import { jsonPatch, mergePatch, strategicMergePatch } from "./Patch.ts"
import { apiVersionOf, type Registry, type ResourceType } from "./Registry.ts"
import { hintsFor } from "./Schema.ts"
import { parseFieldSelector, parseLabelSelector } from "./Selectors.ts"
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  gone,
  internal,
  invalid,
  namespaceNotFound,
  namespaceTerminating,
  notFound,
  staleUpdate,
  success,
  timeout,
  unsupportedMediaType,
} from "./Status.ts"
import { matchesFilter, type Store } from "./Store.ts"
import { bumpsGeneration, statusMetadata } from "./Strategy.ts"
import { checkFields, type FieldValidation } from "./UnknownFields.ts"
import { validate } from "./Validation.ts"

export interface WriteOptions {
  /** The field manager the write is recorded under. */
  readonly manager: string
  readonly dryRun?: boolean
  /** "" for the resource itself, "status" or "scale" for those subresources. */
  readonly scope?: Scope
  /**
   * How fields the kind's schema does not declare are handled, for a body that came over HTTP; unset (the
   * simulated controllers' writes) checks nothing.
   */
  readonly fieldValidation?: FieldValidation
  /** Where the write's warnings go (the HTTP layer sends them as `Warning` headers). */
  readonly warnings?: string[]
}

export interface PatchOptions extends WriteOptions {
  readonly force?: boolean
}

export interface DeleteOptions {
  readonly propagationPolicy?: "Background" | "Foreground" | "Orphan"
  readonly gracePeriodSeconds?: number
  readonly preconditions?: { uid?: string; resourceVersion?: string }
  readonly dryRun?: boolean
  /** Where the deletion's warnings go (the HTTP layer sends them as `Warning` headers). */
  readonly warnings?: string[]
}

/** What the Job storage says when a Job is deleted with no propagation policy (batch/v1 orphans its pods). */
export const jobOrphansPods =
  "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"

export interface ListOptions {
  readonly labelSelector?: string | null
  readonly fieldSelector?: string | null
  readonly limit?: number
  readonly continue?: string | null
  readonly resourceVersion?: string | null
  readonly resourceVersionMatch?: string | null
}

export interface ListResult {
  readonly items: KObject[]
  readonly resourceVersion: string
  readonly continue?: string
  readonly remainingItemCount?: number
}

export const patchTypes = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
] as const

const systemMetadata = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "selfLink",
] as const

const ipOctets = (n: number) => `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`

/**
 * The API semantics on top of the store: create, read, list, update, patch (JSON, merge, strategic, apply),
 * delete with finalizers and propagation, status and scale subresources. Both the HTTP server and the simulated
 * controllers write through here, so both obey the same rules.
 */
/**
 * An admission step: runs on every create and update after defaults, before validation, with the store at hand.
 * Throws an ApiError to refuse; may change `next` (as mutating admission does).
 */
export type Admission = (type: ResourceType, next: KObject, old: KObject | undefined, cluster: Cluster) => void

export class Cluster {
  private nextClusterIP = 1
  readonly admission: Admission[] = []
  /** Validating admission (the admission policies): after validation, as the real server orders them. */
  readonly validatingAdmission: Admission[] = []

  readonly registry: Registry
  readonly store: Store
  readonly clock: SimClock
  constructor(registry: Registry, store: Store, clock: SimClock) {
    this.registry = registry
    this.store = store
    this.clock = clock
  }

  resource(apiVersion: string, kind: string): ResourceType {
    const type = this.registry.lookup(apiVersion, kind)
    if (!type) throw badRequest(`no matches for kind "${kind}" in version "${apiVersion}"`)
    return type
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KObject {
    const found = this.store.get(type, namespace, name)
    if (!found) throw notFound(type, name)
    return found
  }

  find(type: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    return this.store.get(type, namespace, name)
  }

  list(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): ListResult {
    const labels = parseLabelSelector(options.labelSelector)
    const fields = parseFieldSelector(options.fieldSelector, type.kind)
    const current = this.store.resourceVersion
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
      if (token.rv < this.store.compactedResourceVersion) throw expired
      try {
        objects = this.store.listAt(type, namespace, token.rv)
      } catch (error) {
        if (error instanceof ApiError && error.code === 410) throw expired
        throw error
      }
      start = token.start
      listRv = token.rv
    } else objects = this.store.list(type, namespace)
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

  private checkNamespace(type: ResourceType, namespace: string | undefined, name: string) {
    if (!type.namespaced) return
    if (!namespace) throw badRequest("the server could not find the requested resource: a namespace is required")
    const ns = this.store.get(this.namespaces, undefined, namespace)
    if (!ns) throw namespaceNotFound(namespace)
    if (ns.metadata.deletionTimestamp) throw namespaceTerminating(type, name, namespace)
  }

  private get namespaces(): ResourceType {
    return this.resource("v1", "Namespace")
  }

  private checkBody(type: ResourceType, namespace: string | undefined, body: KObject, urlName?: string) {
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

  private defaultsContext() {
    return {
      defaultStorageClass: () => {
        const classes = this.store.list(this.resource("storage.k8s.io/v1", "StorageClass"))
        return classes.find((sc) => sc.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true")
          ?.metadata.name
      },
      allocateClusterIP: () => ipOctets(this.nextClusterIP++),
    }
  }

  create(type: ResourceType, namespace: string | undefined, input: KObject, options: WriteOptions): KObject {
    const body = clone(input)
    this.checkBody(type, namespace, body)
    checkDecoded(type, body, options, "decode")
    if (body.metadata.resourceVersion) throw internal("resourceVersion should not be set on objects to be created")
    if (!body.metadata.name && body.metadata.generateName) {
      body.metadata.name = `${body.metadata.generateName.slice(0, 58)}${randomSuffix()}`
    }
    this.checkNamespace(type, body.metadata.namespace, body.metadata.name ?? "")
    return this.insert(type, body, options, undefined)
  }

  /** The create path shared by POST and an apply that finds nothing: `managed` is set when apply computed it. */
  private insert(
    type: ResourceType,
    body: KObject,
    options: WriteOptions,
    managed: ManagedFieldsEntry[] | undefined,
  ): KObject {
    const name = body.metadata.name ?? ""
    const metadata = body.metadata
    for (const field of systemMetadata) delete metadata[field]
    metadata.uid = randomUUID()
    metadata.creationTimestamp = this.clock.iso()
    if (type.generation) metadata.generation = 1
    if (type.status && type.kind !== "Namespace") delete body.status
    applyDefaults(body, undefined, this.defaultsContext())
    for (const admit of this.admission) admit(type, body, undefined, this)
    dropEmpty(body, type.custom)
    const causes = validate(type, body, undefined)
    if (causes.length > 0) throw invalid(type, name, causes)
    for (const admit of this.validatingAdmission) admit(type, body, undefined, this)
    if (name && this.store.get(type, metadata.namespace, name)) throw alreadyExists(type, name)
    metadata.managedFields =
      managed ??
      trackUpdate({ type, scope: "", old: undefined, next: body, manager: options.manager, now: this.clock.iso() })
    if (metadata.managedFields.length === 0) delete metadata.managedFields
    if (options.dryRun) return body
    return this.store.put(type, body)
  }

  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    input: KObject,
    options: WriteOptions,
  ): KObject {
    const scope = options.scope ?? ""
    checkDecoded(type, input, options, "decode")
    // A status write keeps the spec from the stored object: only the status and the metadata it may change need
    // copying.
    const body: KObject = scope === "status" ? statusBody(type, input) : clone(input)
    this.checkBody(type, namespace, body, name)
    const old = this.get(type, namespace, name)
    if (body.metadata.resourceVersion && body.metadata.resourceVersion !== old.metadata.resourceVersion)
      throw staleUpdate(type, name)
    return this.replace(type, old, body, options, scope, undefined)
  }

  /**
   * Writes `body` over `old`: server-owned metadata is kept, the scope limits what may change, defaults and
   * validation run, generation moves with the spec, and a write that changes nothing is not a write.
   */
  private replace(
    type: ResourceType,
    old: KObject,
    body: KObject,
    options: WriteOptions,
    scope: Scope,
    managed: ManagedFieldsEntry[] | undefined,
  ): KObject {
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
      applyDefaults(next, old, this.defaultsContext())
      for (const admit of this.admission) admit(type, next, old, this)
      dropEmpty(next, type.custom)
      const causes = validate(type, next, old)
      if (causes.length > 0) throw invalid(type, name, causes)
      for (const admit of this.validatingAdmission) admit(type, next, old, this)
    } else if (!deepEqual(withoutSystem(old.metadata), withoutSystem(next.metadata))) {
      const causes = validate(type, next, old)
      if (causes.length > 0) throw invalid(type, name, causes)
    }
    if (scope !== "status" && bumpsGeneration(type, old, next))
      next.metadata.generation = (old.metadata.generation ?? 1) + 1
    next.metadata.managedFields =
      managed ?? trackUpdate({ type, scope, old, next, manager: options.manager, now: this.clock.iso() })
    if (next.metadata.managedFields.length === 0) delete next.metadata.managedFields
    if (unchanged(old, next)) return old
    if (options.dryRun) return next
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && !pendingNamespace(next)) {
      return this.store.remove(type, next)
    }
    return this.store.put(type, next)
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    raw: string,
    options: PatchOptions,
  ): { readonly object: KObject; readonly created: boolean } {
    const scope = options.scope ?? ""
    if (contentType === "application/apply-patch+yaml" || contentType === "application/apply-patch+cbor")
      return this.apply(type, namespace, name, raw, options)
    if (options.force !== undefined) throw badRequest("force flag must be unset for non-apply patch requests")
    let patch: Json
    try {
      patch = JSON.parse(raw) as Json
    } catch (error) {
      throw badRequest(`error decoding patch: ${(error as Error).message}`)
    }
    const old = this.get(type, namespace, name)
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
    this.checkBody(type, namespace, body, name)
    checkDecoded(type, body, options, "decode")
    return { object: this.replace(type, old, body, options, scope, undefined), created: false }
  }

  private apply(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    raw: string,
    options: PatchOptions,
  ): { readonly object: KObject; readonly created: boolean } {
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
    this.checkBody(type, namespace, body, name)
    checkDecoded(type, body, options, "apply")
    const live = this.find(type, namespace, name)
    if (body.metadata.resourceVersion && body.metadata.resourceVersion !== live?.metadata.resourceVersion)
      throw live ? staleUpdate(type, name) : notFound(type, name)
    const now = this.clock.iso()
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
      this.checkNamespace(type, namespace, name)
      const managed = merged.metadata.managedFields ?? []
      merged.metadata.name = name
      if (type.namespaced && namespace !== undefined) merged.metadata.namespace = namespace
      return { object: this.insert(type, merged, options, managed), created: true }
    }
    const managed = merged.metadata.managedFields ?? []
    return { object: this.replace(type, live, merged, options, scope, managed), created: false }
  }

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): { readonly object: KObject; readonly deleted: boolean } {
    const old = this.get(type, namespace, name)
    if (type.kind === "Namespace" && ["default", "kube-system", "kube-public"].includes(name))
      throw new ApiError(403, "Forbidden", `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
        name,
        kind: "namespaces",
      })
    const pre = options.preconditions
    if (pre?.uid && pre.uid !== old.metadata.uid)
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      )
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
      throw conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      )
    // batch/v1 Jobs still default to orphaning their pods when the caller names no policy, and say so.
    if (type.kind === "Job" && options.propagationPolicy === undefined) options.warnings?.push(jobOrphansPods)
    const policy = options.propagationPolicy ?? (type.kind === "Job" ? "Orphan" : "Background")
    const finalizers = [...(old.metadata.finalizers ?? [])]
    if (
      policy === "Orphan" &&
      !finalizers.includes("orphan") &&
      this.store.dependents(old.metadata.uid ?? "").length > 0
    )
      finalizers.push("orphan")
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion")) finalizers.push("foregroundDeletion")
    const graceful = this.gracePeriod(type, old, options)
    if (finalizers.length === 0 && graceful === 0 && !pendingNamespace(old)) {
      if (options.dryRun) return { object: old, deleted: true }
      return { object: this.store.remove(type, old), deleted: true }
    }
    if (old.metadata.deletionTimestamp && deepEqual(finalizers, old.metadata.finalizers ?? [])) {
      return { object: old, deleted: false }
    }
    const next: KObject = clone(old)
    next.metadata.finalizers = finalizers
    if (finalizers.length === 0) delete next.metadata.finalizers
    if (!next.metadata.deletionTimestamp) {
      next.metadata.deletionTimestamp = new Date(this.clock.now() + graceful * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z")
      next.metadata.deletionGracePeriodSeconds = graceful
      if (type.generation) next.metadata.generation = (next.metadata.generation ?? 1) + 1
    }
    if (type.kind === "Namespace")
      next.status = { ...(isObject(next.status as Json) ? (next.status as JsonObject) : {}), phase: "Terminating" }
    if (options.dryRun) return { object: next, deleted: false }
    return { object: this.store.put(type, next), deleted: false }
  }

  private gracePeriod(type: ResourceType, obj: KObject, options: DeleteOptions): number {
    if (type.kind !== "Pod") return 0
    const spec = isObject(obj.spec as Json) ? (obj.spec as JsonObject) : {}
    // A pod no kubelet ever ran is removed at once.
    if (!spec.nodeName) return 0
    const phase = isObject(obj.status as Json) ? (obj.status as JsonObject).phase : undefined
    if (phase === "Succeeded" || phase === "Failed") return 0
    const requested = options.gracePeriodSeconds
    if (requested !== undefined) return requested
    return typeof spec.terminationGracePeriodSeconds === "number" ? spec.terminationGracePeriodSeconds : 30
  }

  /** Removes an object whose deletion has finished (pod shut down, namespace emptied), whatever its grace. */
  finalize(type: ResourceType, obj: KObject): void {
    if (this.store.get(type, obj.metadata.namespace, obj.metadata.name ?? "")) this.store.remove(type, obj)
  }

  successStatus(type: ResourceType, obj: KObject) {
    return success(type, obj.metadata.name ?? "", obj.metadata.uid ?? "")
  }

  // The autoscaling/v1 Scale view of a Deployment or ReplicaSet.
  scale(obj: KObject) {
    const spec = isObject(obj.spec as Json) ? (obj.spec as JsonObject) : {}
    const status = isObject(obj.status as Json) ? (obj.status as JsonObject) : {}
    const selector = isObject(spec.selector) ? spec.selector : {}
    const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {}
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: spec.replicas ?? 0 },
      status: {
        replicas: status.replicas ?? 0,
        selector: Object.entries(matchLabels)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(","),
      },
    }
  }

  updateScale(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    scale: JsonObject,
    options: WriteOptions,
  ): KObject {
    const old = this.get(type, namespace, name)
    const meta = isObject(scale.metadata) ? scale.metadata : {}
    if (meta.resourceVersion && meta.resourceVersion !== old.metadata.resourceVersion) throw staleUpdate(type, name)
    const replicas = isObject(scale.spec) ? scale.spec.replicas : undefined
    if (typeof replicas !== "number" || replicas < 0)
      throw new ApiError(
        422,
        "Invalid",
        `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${String(replicas)}: must be greater than or equal to 0`,
      )
    const body = clone(old)
    body.spec = { ...(isObject(body.spec as Json) ? (body.spec as JsonObject) : {}), replicas }
    return this.replace(type, old, body, { ...options, scope: "scale" }, "scale", undefined)
  }
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

const pendingNamespace = (obj: KObject): boolean => {
  if (obj.kind !== "Namespace") return false
  const spec = isObject(obj.spec as Json) ? (obj.spec as JsonObject) : {}
  return Array.isArray(spec.finalizers) && spec.finalizers.length > 0
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
