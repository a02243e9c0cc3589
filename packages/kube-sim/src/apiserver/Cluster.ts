import type { SimClock } from "../Clock.ts"
import { clone, isObject, type Json, type JsonObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import type { Scope } from "./Apply.ts"
import { deleteObject } from "./Deletion.ts"
import { listObjects } from "./Paging.ts"
import type { Registry, ResourceType } from "./Registry.ts"
import { ApiError, badRequest, notFound, staleUpdate, success } from "./Status.ts"
import type { Store } from "./Store.ts"
import type { FieldValidation } from "./UnknownFields.ts"
import { createObject, patchObject, replaceObject, updateObject } from "./WritePath.ts"

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

const ipOctets = (n: number) => `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`

/**
 * An admission step: runs on every create and update after defaults, before validation, with the store at hand.
 * Throws an ApiError to refuse; may change `next` (as mutating admission does).
 */
export type Admission = (type: ResourceType, next: KObject, old: KObject | undefined, cluster: Cluster) => void

/**
 * The API semantics on top of the store: create, read, list, update, patch (JSON, merge, strategic, apply),
 * delete with finalizers and propagation, status and scale subresources. Both the HTTP server and the simulated
 * controllers write through here, so both obey the same rules.
 */
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
    return listObjects(this.store, type, namespace, options)
  }

  /** What defaulting needs from the cluster: the default StorageClass, and the next free cluster IP. */
  defaultsContext() {
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
    return createObject(this, type, namespace, input, options)
  }

  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    input: KObject,
    options: WriteOptions,
  ): KObject {
    return updateObject(this, type, namespace, name, input, options)
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    raw: string,
    options: PatchOptions,
  ): { readonly object: KObject; readonly created: boolean } {
    return patchObject(this, type, namespace, name, contentType, raw, options)
  }

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): { readonly object: KObject; readonly deleted: boolean } {
    return deleteObject(this, type, namespace, name, options)
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
    return replaceObject(this, type, old, body, { ...options, scope: "scale" }, "scale", undefined)
  }
}
