import type { KubeObject } from "@starform/manifests"
import { clone, isObject, type Json, type JsonObject, normalize } from "./Json.ts"

/*
 * Objects as the server stores them: plain JSON. The shapes are type aliases (not interfaces) so that an object, its
 * metadata and its conditions are `Json` as they are, with no cast between the typed and the untyped view; the
 * shared `KubeObject` of @starform/manifests is what goes in and out of the Simulator's API (see below).
 */

export type OwnerReference = {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

export type ManagedFieldsEntry = {
  manager: string
  operation: "Apply" | "Update"
  apiVersion: string
  time: string
  fieldsType: "FieldsV1"
  fieldsV1: JsonObject
  subresource?: string
}

export type ObjectMeta = {
  name?: string
  generateName?: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  generation?: number
  creationTimestamp?: string
  deletionTimestamp?: string
  deletionGracePeriodSeconds?: number
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ownerReferences?: OwnerReference[]
  finalizers?: string[]
  managedFields?: ManagedFieldsEntry[]
  selfLink?: string
}

/** Any object the server stores: its type, its metadata, and the rest as JSON. */
export type KObject = {
  apiVersion: string
  kind: string
  metadata: ObjectMeta
  [field: string]: Json
}

export type LabelSelector = {
  matchLabels?: Record<string, string>
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>
}

export type Condition = {
  type: string
  status: "True" | "False" | "Unknown"
  reason?: string
  message?: string
  lastTransitionTime?: string
  lastUpdateTime?: string
  lastProbeTime?: string | null
  observedGeneration?: number
}

/** `{ namespace }` when there is one: optional members are left out rather than set to undefined. */
export const namespaced = (namespace: string | undefined): { namespace?: string } =>
  namespace === undefined ? {} : { namespace }

const conditionStatuses: ReadonlyArray<unknown> = ["True", "False", "Unknown"]

const isCondition = (value: unknown): value is Condition =>
  isObject(value) && typeof value.type === "string" && conditionStatuses.includes(value.status)

/** The well-formed conditions of a status's `conditions` list. */
export const conditionsOf = (value: unknown): Condition[] => (Array.isArray(value) ? value.filter(isCondition) : [])

const isMetadata = (value: Json | undefined): value is ObjectMeta => isObject(value)

/**
 * A decoded request body as an object: apiVersion and kind as given ("" when missing: the URL decides them),
 * metadata an object. The members' own types are checked later, as the API server's validation does.
 */
export const objectFrom = (body: JsonObject): KObject => ({
  ...body,
  apiVersion: typeof body.apiVersion === "string" ? body.apiVersion : "",
  kind: typeof body.kind === "string" ? body.kind : "",
  metadata: isMetadata(body.metadata) ? body.metadata : {},
})

/** An object as Shuttle renders it (the shared `KubeObject` of @starform/manifests), as a body to store. */
export const fromKubeObject = (object: KubeObject.KubeObject): KObject => {
  const json = normalize(object)
  return objectFrom(isObject(json) ? json : {})
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
      ...namespaced(owner.metadata.namespace),
      labels: clone((metadata.labels ?? {}) as Record<string, string>),
      ...(isObject(metadata.annotations) ? { annotations: clone(metadata.annotations as Record<string, string>) } : {}),
      ownerReferences: [ownerRef(owner)],
    },
    spec: clone(isObject(template.spec) ? template.spec : {}),
  }
}
