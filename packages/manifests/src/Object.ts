/**
 * The shape every rendered object shares, as Shuttle handles it generically (diff, apply, prune): its type, its
 * identity and its metadata. Each renderer returns its kind's full upstream type; this is their common view.
 */

export interface ObjectMeta {
  readonly name: string
  readonly namespace?: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
}

export interface KubeObject {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: ObjectMeta
}

/** Any object's fields, for generic comparison. */
export const fields = (object: KubeObject): Readonly<Record<string, unknown>> =>
  object as unknown as Record<string, unknown>

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
