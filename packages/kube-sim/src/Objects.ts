import { clone, isObject, type Json, type JsonObject } from "./Json.ts"

export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

export interface ManagedFieldsEntry {
  manager: string
  operation: "Apply" | "Update"
  apiVersion: string
  time: string
  fieldsType: "FieldsV1"
  fieldsV1: JsonObject
  subresource?: string
}

export interface ObjectMeta {
  name?: string | undefined
  generateName?: string | undefined
  namespace?: string | undefined
  uid?: string | undefined
  resourceVersion?: string | undefined
  generation?: number | undefined
  creationTimestamp?: string | undefined
  deletionTimestamp?: string | undefined
  deletionGracePeriodSeconds?: number | undefined
  labels?: Record<string, string> | undefined
  annotations?: Record<string, string> | undefined
  ownerReferences?: OwnerReference[] | undefined
  finalizers?: string[] | undefined
  managedFields?: ManagedFieldsEntry[] | undefined
  selfLink?: string | undefined
}

/** Any object the server stores. Controllers cast to the narrower shapes they read. */
export interface KObject {
  apiVersion: string
  kind: string
  metadata: ObjectMeta
  [field: string]: Json | ObjectMeta | undefined
}

export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>
}

export interface Condition {
  type: string
  status: "True" | "False" | "Unknown"
  reason?: string
  message?: string
  lastTransitionTime?: string
  lastUpdateTime?: string
  lastProbeTime?: string | null
  observedGeneration?: number
}

export const objectKey = (namespace: string | undefined, name: string): string =>
  namespace ? `${namespace}/${name}` : name

export const keyOf = (obj: KObject): string => objectKey(obj.metadata.namespace, obj.metadata.name ?? "")

export const controllerOf = (obj: KObject): OwnerReference | undefined =>
  obj.metadata.ownerReferences?.find((ref) => ref.controller === true)

export const ownerRef = (owner: KObject, controller = true): OwnerReference => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata.name ?? "",
  uid: owner.metadata.uid ?? "",
  controller,
  blockOwnerDeletion: true,
})

export const setCondition = (conditions: Condition[], next: Condition, now: string): Condition[] => {
  const existing = conditions.find((c) => c.type === next.type)
  if (existing === undefined) {
    return [...conditions, { ...next, lastTransitionTime: next.lastTransitionTime ?? now }]
  }
  const transitioned = existing.status !== next.status
  return conditions.map((c) =>
    c.type === next.type
      ? {
          ...c,
          ...next,
          lastTransitionTime: transitioned ? now : (c.lastTransitionTime ?? now),
        }
      : c,
  )
}

const alphabet = "bcdfghjklmnpqrstvwxz2456789"
/** The random suffix the API server appends for `generateName` (5 characters from the same alphabet). */
export const randomSuffix = (length = 5): string => {
  let out = ""
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)]
  return out
}

/**
 * A Pod for `owner` (a ReplicaSet or a Job) from its `spec.template`, named as the API server names a
 * `generateName` object: the owner's name cut so the whole name fits 63 characters, then a random suffix.
 */
export const podFromTemplate = (owner: KObject): KObject => {
  const ownerSpec = isObject(owner.spec) ? owner.spec : {}
  const template = isObject(ownerSpec.template) ? (ownerSpec.template as JsonObject) : {}
  const metadata = isObject(template.metadata) ? template.metadata : {}
  const base = owner.metadata.name ?? ""
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `${base.slice(0, 57)}-${randomSuffix()}`,
      generateName: `${base}-`,
      namespace: owner.metadata.namespace,
      labels: clone((metadata.labels ?? {}) as Record<string, string>),
      ...(isObject(metadata.annotations) ? { annotations: clone(metadata.annotations as Record<string, string>) } : {}),
      ownerReferences: [ownerRef(owner)],
    },
    spec: clone(isObject(template.spec) ? template.spec : {}),
  }
}
