import { clone, deepEqual, isObject, type Json, type JsonObject } from "../Json.ts"
import type { KObject, ManagedFieldsEntry, ObjectMeta } from "../Objects.ts"
import {
  difference,
  diffFields,
  type FieldPath,
  type FieldSet,
  fieldsOf,
  fromPaths,
  has,
  isEmpty,
  isMissing,
  itemKey,
  leaves,
  removeAt,
  renderPath,
  touches,
  union,
  valueAt,
} from "./FieldSet.ts"
import type { ResourceType } from "./Registry.ts"
import { childPath, type Hints, hintsFor } from "./Schema.ts"
import { fieldManagerConflict } from "./Status.ts"
import { statusMetadata, type WritableMetadata, withMetadata, writableMetadata } from "./Strategy.ts"

/** Which part of an object a write addresses: the resource itself, or its `/status` (or `/scale`) subresource. */
export type Scope = "" | "status" | "scale"

/**
 * The part of an object a write in `scope` may change, as plain JSON: what field sets are computed over. It shares
 * structure with `obj`: clone it before changing it.
 */
export const view = (obj: KObject, type: ResourceType, scope: Scope): JsonObject => {
  if (scope === "status") {
    const out: JsonObject = metadataView(obj, statusMetadata(type))
    if (obj.status !== undefined) out.status = obj.status as Json
    return out
  }
  if (scope === "scale") {
    const replicas = isObject(obj.spec) ? obj.spec.replicas : undefined
    return replicas === undefined ? {} : { spec: { replicas } }
  }
  const out: JsonObject = metadataView(obj, writableMetadata)
  for (const [field, value] of Object.entries(obj)) {
    if (field === "apiVersion" || field === "kind" || field === "metadata" || value === undefined) continue
    if (field === "status" && type.status) continue
    out[field] = value as Json
  }
  return out
}

const metadataView = (obj: KObject, fields: ReadonlyArray<WritableMetadata>): JsonObject => {
  const metadata: JsonObject = {}
  for (const field of fields) {
    const value = obj.metadata[field]
    if (value !== undefined) metadata[field] = value as Json
  }
  return Object.keys(metadata).length > 0 ? { metadata } : {}
}

const changedMetadata = (changed: JsonObject): ObjectMeta =>
  (isObject(changed.metadata) ? changed.metadata : {}) as ObjectMeta

/** Puts a changed view back into an object, leaving what the scope may not touch as it was in `base`. */
export const withView = (base: KObject, changed: JsonObject, type: ResourceType, scope: Scope): KObject => {
  if (scope === "status") {
    const out: KObject = {
      ...base,
      metadata: withMetadata(base.metadata, changedMetadata(changed), statusMetadata(type)),
    }
    if (changed.status === undefined) delete out.status
    else out.status = changed.status
    return out
  }
  if (scope === "scale") {
    const replicas = isObject(changed.spec) ? changed.spec.replicas : undefined
    const spec = isObject(base.spec) ? { ...base.spec } : {}
    if (replicas === undefined) delete spec.replicas
    else spec.replicas = replicas
    return { ...base, metadata: { ...base.metadata }, spec }
  }
  const metadata = withMetadata(base.metadata, changedMetadata(changed), writableMetadata)
  const out: KObject = { apiVersion: base.apiVersion, kind: base.kind, metadata }
  for (const [field, value] of Object.entries(changed)) if (field !== "metadata") out[field] = value
  if (type.status && base.status !== undefined) out.status = base.status
  return out
}

const mergeValue = (live: Json | undefined, applied: Json, hints: Hints, path: string): Json => {
  if (isObject(applied)) {
    if (!isObject(live) || hints.atomicStruct(path)) return clone(applied)
    const out: JsonObject = { ...live }
    for (const [field, value] of Object.entries(applied)) {
      if (value === null) continue
      out[field] = mergeValue(live[field], value, hints, childPath(path, field))
    }
    return out
  }
  if (Array.isArray(applied)) {
    const list = hints.list(path)
    if (!Array.isArray(live) || list.type === "atomic") return clone(applied)
    const out = [...live]
    if (list.type === "set") {
      for (const item of applied) if (!out.some((x) => deepEqual(x, item))) out.push(clone(item))
      return out
    }
    for (const item of applied) {
      if (!isObject(item)) continue
      const key = itemKey(item, list)
      const index = out.findIndex((x) => isObject(x) && itemKey(x, list) === key)
      if (index >= 0) out[index] = mergeValue(out[index], item, hints, `${path}[]`)
      else out.push(clone(item))
    }
    return out
  }
  return applied
}

const stripNulls = (value: Json): Json => {
  if (Array.isArray(value)) return value.map(stripNulls)
  if (isObject(value)) {
    const out: JsonObject = {}
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = stripNulls(v)
    return out
  }
  return value
}

const sameScope = (entry: ManagedFieldsEntry, scope: Scope) => (entry.subresource ?? "") === scope

export interface ApplyInput {
  readonly type: ResourceType
  readonly scope: Scope
  readonly live: KObject | undefined
  readonly applied: KObject
  readonly manager: string
  readonly force: boolean
  readonly now: string
}

/**
 * Server-side apply: merges the applied configuration into the live object, takes ownership of what it sets,
 * removes what this manager set before and no longer sends (unless another manager owns it), and refuses with
 * 409 FieldManagerConflict to change a value another manager owns unless forced (then it takes the field over).
 */
export const apply = (input: ApplyInput): KObject => {
  const { type, scope, live, manager, now } = input
  const hints = hintsFor(type.kind)
  const applied = stripNulls(view(input.applied, type, scope)) as JsonObject
  const appliedSet = fieldsOf(applied, hints)
  const entries = live?.metadata.managedFields ?? []
  const mine = entries.find((e) => e.manager === manager && e.operation === "Apply" && sameScope(e, scope))
  const liveView = live ? clone(view(live, type, scope)) : {}

  // A conflict is a change: a field another manager owns whose value this apply would alter.
  const merged = mergeValue(liveView, applied, hints, "") as JsonObject
  const conflicts: Array<{ entry: ManagedFieldsEntry; path: FieldPath }> = []
  if (live) {
    for (const leaf of leaves(appliedSet)) {
      if (leaf[leaf.length - 1] === ".") continue
      const liveValue = valueAt(liveView, leaf)
      if (!isMissing(liveValue) && deepEqual(liveValue, valueAt(merged, leaf))) continue
      for (const entry of entries) {
        if (entry === mine) continue
        if (has(entry.fieldsV1 as FieldSet, leaf)) conflicts.push({ entry, path: leaf })
      }
    }
  }
  if (conflicts.length > 0 && !input.force) {
    throw fieldManagerConflict(
      conflicts.map((c) => ({ manager: c.entry.manager, apiVersion: c.entry.apiVersion, field: renderPath(c.path) })),
    )
  }

  const others: ManagedFieldsEntry[] = []
  for (const entry of entries) {
    if (entry === mine) continue
    const lost = conflicts.filter((c) => c.entry === entry).map((c) => c.path)
    if (lost.length === 0) others.push(entry)
    else {
      const rest = difference(entry.fieldsV1 as FieldSet, fromPaths(lost))
      if (!isEmpty(rest)) others.push({ ...entry, fieldsV1: rest as JsonObject })
    }
  }
  // Entries of every subresource count: /scale owns .spec.replicas in the parent's own coordinates.
  const ownedByOthers = others.reduce<FieldSet>((acc, e) => union(acc, e.fieldsV1 as FieldSet), {})

  const dropped = leaves(difference((mine?.fieldsV1 as FieldSet | undefined) ?? {}, appliedSet))
  for (const leaf of dropped) {
    const isItem = leaf[leaf.length - 1] === "."
    const target = isItem ? leaf.slice(0, -1) : leaf
    if (touches(ownedByOthers, target) || touches(appliedSet, target)) continue
    removeAt(merged, leaf)
    pruneEmptyParents(merged, target, appliedSet, ownedByOthers)
  }

  const entry: ManagedFieldsEntry = {
    manager,
    operation: "Apply",
    apiVersion: input.applied.apiVersion,
    time: now,
    fieldsType: "FieldsV1",
    fieldsV1: appliedSet as JsonObject,
    ...(scope ? { subresource: scope } : {}),
  }
  const base: KObject = live ?? { apiVersion: input.applied.apiVersion, kind: input.applied.kind, metadata: {} }
  const result = withView(base, merged, type, scope)
  const index = mine ? entries.indexOf(mine) : -1
  const managed = [...others]
  if (!isEmpty(appliedSet)) managed.splice(index >= 0 ? Math.min(index, managed.length) : managed.length, 0, entry)
  result.metadata = { ...result.metadata, managedFields: managed }
  return result
}

const pruneEmptyParents = (root: JsonObject, path: FieldPath, keep: FieldSet, others: FieldSet) => {
  for (let end = path.length - 1; end > 0; end--) {
    const parent = path.slice(0, end)
    if (parent[parent.length - 1]?.startsWith("f:") !== true) return
    const value = valueAt(root, parent)
    const empty = (isObject(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0)
    if (!empty || has(keep, parent) || has(others, parent)) return
    removeAt(root, parent)
  }
}

export interface UpdateInput {
  readonly type: ResourceType
  readonly scope: Scope
  readonly old: KObject | undefined
  readonly next: KObject
  readonly manager: string
  readonly now: string
}

/**
 * Managed fields after an ordinary write (create, update, non-apply patch): the writer takes the fields it changed
 * (never a conflict), and every manager loses fields that changed hands or disappeared.
 */
export const trackUpdate = (input: UpdateInput): ManagedFieldsEntry[] => {
  const { type, scope, old, next, manager, now } = input
  const hints = hintsFor(type.kind)
  const entries = old?.metadata.managedFields ?? []
  const { changed, removed } = diffFields(old ? view(old, type, scope) : {}, view(next, type, scope), hints)
  if (isEmpty(changed) && isEmpty(removed)) return entries
  const taken = union(changed, removed)
  const out: ManagedFieldsEntry[] = []
  let mineSeen = false
  for (const entry of entries) {
    const isMine = entry.manager === manager && entry.operation === "Update" && sameScope(entry, scope)
    if (isMine) {
      mineSeen = true
      const fields = union(difference(entry.fieldsV1 as FieldSet, removed), changed)
      if (!isEmpty(fields))
        out.push({ ...entry, apiVersion: next.apiVersion, time: now, fieldsV1: fields as JsonObject })
      continue
    }
    const rest = difference(entry.fieldsV1 as FieldSet, taken)
    if (!isEmpty(rest)) out.push({ ...entry, fieldsV1: rest as JsonObject })
  }
  if (!mineSeen && !isEmpty(changed)) {
    out.push({
      manager,
      operation: "Update",
      apiVersion: next.apiVersion,
      time: now,
      fieldsType: "FieldsV1",
      fieldsV1: changed as JsonObject,
      ...(scope ? { subresource: scope } : {}),
    })
  }
  return out
}
