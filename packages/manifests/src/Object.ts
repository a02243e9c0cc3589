/**
 * The shape every Kubernetes object shares, as Shuttle and the `Kube` client handle them generically (diff, apply,
 * prune, get, list, watch): its type, its identity and its metadata. Each renderer returns its kind's full
 * upstream type; this is their common view. It is the one definition: `@starform/kube` uses it too.
 */

export interface ObjectMeta {
  readonly name: string
  readonly namespace?: string | undefined
  readonly labels?: Readonly<Record<string, string>> | undefined
  readonly annotations?: Readonly<Record<string, string>> | undefined
  /** Set by the API server on what it returns; never sent by a renderer. */
  readonly uid?: string | undefined
  readonly resourceVersion?: string | undefined
  readonly generation?: number | undefined
  readonly creationTimestamp?: string | undefined
  readonly deletionTimestamp?: string | undefined
  readonly finalizers?: ReadonlyArray<string> | undefined
  readonly ownerReferences?: ReadonlyArray<unknown> | undefined
  readonly managedFields?: ReadonlyArray<unknown> | undefined
}

export interface KubeObject {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: ObjectMeta
}

/**
 * An object as it comes over the wire, of any kind: the common view, and every other field (`spec`, `status`,
 * `data`) present but unknown until the reader checks it.
 */
export interface Unstructured extends KubeObject {
  readonly [field: string]: unknown
}

/** Which object: enough to get, apply or delete it. `namespace` is "" for cluster-scoped kinds. */
export interface ObjectRef {
  readonly apiVersion: string
  readonly kind: string
  readonly namespace: string
  readonly name: string
}

export const refOf = (object: KubeObject): ObjectRef => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  namespace: object.metadata.namespace ?? "",
  name: object.metadata.name,
})

/** `apps/v1/Deployment/env-…/api-r3`: one string per object, for maps and inventories. */
export const keyOf = (ref: ObjectRef): string => `${ref.apiVersion}/${ref.kind}/${ref.namespace}/${ref.name}`

export const refOfKey = (key: string): ObjectRef => {
  const parts = key.split("/")
  // A core kind's apiVersion has no group ("v1"), every other one has two parts ("apps/v1").
  const versionParts = parts.length === 5 ? 2 : 1
  const apiVersion = parts.slice(0, versionParts).join("/")
  const [kind = "", namespace = "", name = ""] = parts.slice(versionParts)
  return { apiVersion, kind, namespace, name }
}
