import { deepEqual, isObject, type Json, type JsonObject } from "../Json.ts"
import { childPath, type Hints, type ListType } from "./Schema.ts"

/**
 * A set of field paths in the `FieldsV1` encoding managedFields use: `f:<field>` for a struct or map member,
 * `k:{"name":"app"}` for an item of a keyed list, `v:"x"` for a member of a set, `.` for the item itself.
 * A leaf is an empty object.
 */
export type FieldSet = { [element: string]: FieldSet }

export const itemKey = (item: JsonObject, list: Extract<ListType, { type: "map" }>): string => {
  const key: JsonObject = {}
  for (const name of [...list.keys].sort()) {
    const value = item[name] ?? list.defaults?.[name]
    if (value !== undefined) key[name] = value
  }
  return `k:${JSON.stringify(key)}`
}

const setKey = (value: Json): string => `v:${JSON.stringify(value)}`

/** The fields `value` sets, given the schema hints of its kind. */
export const fieldsOf = (value: JsonObject, hints: Hints, path = ""): FieldSet => {
  const out: FieldSet = {}
  for (const [field, member] of Object.entries(value)) {
    if (member === null || member === undefined) continue
    out[`f:${field}`] = memberFields(member, hints, childPath(path, field))
  }
  return out
}

const memberFields = (member: Json, hints: Hints, path: string): FieldSet => {
  if (Array.isArray(member)) {
    const list = hints.list(path)
    if (member.length === 0 || list.type === "atomic") return {}
    const out: FieldSet = {}
    if (list.type === "set") {
      for (const item of member) out[setKey(item)] = {}
      return out
    }
    for (const item of member) {
      if (!isObject(item)) continue
      out[itemKey(item, list)] = { ".": {}, ...fieldsOf(item, hints, `${path}[]`) }
    }
    return out
  }
  if (isObject(member) && Object.keys(member).length > 0 && !hints.atomicStruct(path)) {
    return fieldsOf(member, hints, path)
  }
  return {}
}

export const isEmpty = (set: FieldSet): boolean => Object.keys(set).length === 0

export type FieldPath = ReadonlyArray<string>

/** Every leaf path of the set. */
export const leaves = (set: FieldSet, prefix: string[] = [], out: FieldPath[] = []): FieldPath[] => {
  for (const [element, child] of Object.entries(set)) {
    const path = [...prefix, element]
    if (isEmpty(child)) out.push(path)
    else leaves(child, path, out)
  }
  return out
}

export const has = (set: FieldSet, path: FieldPath): boolean => {
  let current: FieldSet | undefined = set
  for (const element of path) {
    current = current[element]
    if (current === undefined) return false
  }
  return isEmpty(current)
}

/** Whether the set holds `path` itself or anything beneath it. */
export const touches = (set: FieldSet, path: FieldPath): boolean => {
  let current: FieldSet | undefined = set
  for (const element of path) {
    current = current[element]
    if (current === undefined) return false
  }
  return true
}

export const union = (a: FieldSet, b: FieldSet): FieldSet => {
  const out: FieldSet = { ...a }
  for (const [element, child] of Object.entries(b)) {
    const existing = out[element]
    out[element] = existing === undefined ? child : union(existing, child)
  }
  return out
}

/** `a` without the leaves of `b`. */
export const difference = (a: FieldSet, b: FieldSet): FieldSet => {
  const out: FieldSet = {}
  for (const [element, child] of Object.entries(a)) {
    const other = b[element]
    if (other === undefined) {
      out[element] = child
      continue
    }
    if (isEmpty(child)) {
      if (!isEmpty(other)) out[element] = child
      continue
    }
    if (isEmpty(other)) {
      out[element] = child
      continue
    }
    const rest = difference(child, other)
    if (!isEmpty(rest)) out[element] = rest
  }
  return out
}

export const without = (set: FieldSet, paths: ReadonlyArray<FieldPath>): FieldSet => {
  let out = set
  for (const path of paths) out = difference(out, build(path))
  return out
}

const build = (path: FieldPath): FieldSet => {
  let out: FieldSet = {}
  for (let i = path.length - 1; i >= 0; i--) out = { [path[i]!]: out }
  return out
}

export const fromPaths = (paths: ReadonlyArray<FieldPath>): FieldSet => {
  const out: FieldSet = {}
  for (const path of paths) {
    let node = out
    for (const element of path) {
      let child = node[element]
      if (child === undefined) {
        child = {}
        node[element] = child
      }
      node = child
    }
  }
  return out
}

/**
 * What changed between two versions of an object, as field sets: `changed` holds every leaf that is new or has a
 * new value, `removed` every leaf that is gone. One walk over both, for the managed fields of ordinary writes.
 */
export const diffFields = (
  before: JsonObject,
  after: JsonObject,
  hints: Hints,
): { changed: FieldSet; removed: FieldSet } => {
  const changed: FieldSet = {}
  const removed: FieldSet = {}
  diffObject(before, after, hints, "", changed, removed)
  return { changed, removed }
}

const nonEmptyContainer = (value: Json): boolean =>
  (Array.isArray(value) && value.length > 0) || (isObject(value) && Object.keys(value).length > 0)

const diffObject = (
  before: JsonObject,
  after: JsonObject,
  hints: Hints,
  path: string,
  changed: FieldSet,
  removed: FieldSet,
) => {
  for (const [field, value] of Object.entries(after)) {
    if (value === null || value === undefined) continue
    const element = `f:${field}`
    const fieldPath = childPath(path, field)
    const prev = before[field]
    if (prev === null || prev === undefined) {
      changed[element] = memberFields(value, hints, fieldPath)
      continue
    }
    const subChanged: FieldSet = {}
    const subRemoved: FieldSet = {}
    if (diffMember(prev, value, hints, fieldPath, subChanged, subRemoved)) changed[element] = {}
    if (!isEmpty(subChanged)) changed[element] = subChanged
    if (!isEmpty(subRemoved)) removed[element] = subRemoved
  }
  for (const [field, prev] of Object.entries(before)) {
    if (prev === null || prev === undefined) continue
    const value = after[field]
    if (value === null || value === undefined) removed[`f:${field}`] = memberFields(prev, hints, childPath(path, field))
  }
}

/** Fills the sub-sets for a member present in both versions; true when the member itself is a changed leaf. */
const diffMember = (
  prev: Json,
  value: Json,
  hints: Hints,
  path: string,
  changed: FieldSet,
  removed: FieldSet,
): boolean => {
  if (Array.isArray(prev) && Array.isArray(value) && prev.length > 0 && value.length > 0) {
    const list = hints.list(path)
    if (list.type === "atomic") return !deepEqual(prev, value)
    if (list.type === "set") {
      const before = new Set(prev.map((v) => JSON.stringify(v)))
      const after = new Set(value.map((v) => JSON.stringify(v)))
      for (const v of after) if (!before.has(v)) changed[`v:${v}`] = {}
      for (const v of before) if (!after.has(v)) removed[`v:${v}`] = {}
      return false
    }
    const byKey = new Map<string, JsonObject>()
    for (const item of prev) if (isObject(item)) byKey.set(itemKey(item, list), item)
    const seen = new Set<string>()
    for (const item of value) {
      if (!isObject(item)) continue
      const key = itemKey(item, list)
      seen.add(key)
      const old = byKey.get(key)
      if (old === undefined) {
        changed[key] = { ".": {}, ...fieldsOf(item, hints, `${path}[]`) }
        continue
      }
      const subChanged: FieldSet = {}
      const subRemoved: FieldSet = {}
      diffObject(old, item, hints, `${path}[]`, subChanged, subRemoved)
      if (!isEmpty(subChanged)) changed[key] = subChanged
      if (!isEmpty(subRemoved)) removed[key] = subRemoved
    }
    for (const [key, item] of byKey)
      if (!seen.has(key)) removed[key] = { ".": {}, ...fieldsOf(item, hints, `${path}[]`) }
    return false
  }
  if (
    isObject(prev) &&
    isObject(value) &&
    nonEmptyContainer(prev) &&
    nonEmptyContainer(value) &&
    !hints.atomicStruct(path)
  ) {
    diffObject(prev, value, hints, path, changed, removed)
    return false
  }
  if (deepEqual(prev, value)) return false
  // The member changed shape or value: what it held before is gone, what it holds now is new.
  Object.assign(removed, memberFields(prev, hints, path))
  const now = memberFields(value, hints, path)
  if (isEmpty(now)) return true
  Object.assign(changed, now)
  return false
}

const matchItem = (list: Json[], element: string): number => {
  if (element.startsWith("v:")) {
    const value = JSON.parse(element.slice(2)) as Json
    return list.findIndex((item) => deepEqual(item, value))
  }
  const key = JSON.parse(element.slice(2)) as JsonObject
  return list.findIndex(
    (item) =>
      isObject(item) &&
      Object.entries(key).every(([k, v]) => deepEqual(item[k] ?? (k === "protocol" ? "TCP" : undefined), v)),
  )
}

const missing = Symbol("missing")

/** The value at a field path, or `missing`. `.` names the item itself. */
export const valueAt = (root: Json, path: FieldPath): Json | typeof missing => {
  let current: Json = root
  for (const element of path) {
    if (element === ".") return current
    if (element.startsWith("f:")) {
      if (!isObject(current)) return missing
      const next: Json | undefined = current[element.slice(2)]
      if (next === undefined || next === null) return missing
      current = next
    } else {
      if (!Array.isArray(current)) return missing
      const index = matchItem(current, element)
      if (index < 0) return missing
      current = current[index]!
    }
  }
  return current
}

export const isMissing = (value: unknown): value is typeof missing => value === missing

/** Removes the field (or, for a path ending in `.`, the list item) at `path` from `root` in place. */
export const removeAt = (root: Json, path: FieldPath): void => {
  const target = path[path.length - 1] === "." ? path.slice(0, -1) : path
  if (target.length === 0) return
  const parent = valueAt(root, target.slice(0, -1))
  if (isMissing(parent)) return
  const last = target[target.length - 1]!
  if (last.startsWith("f:")) {
    if (isObject(parent)) delete parent[last.slice(2)]
  } else if (Array.isArray(parent)) {
    const index = matchItem(parent, last)
    if (index >= 0) parent.splice(index, 1)
  }
}

/** Renders a path the way conflict messages do: `.spec.template.spec.containers[name="app"].image`. */
export const renderPath = (path: FieldPath): string => {
  let out = ""
  for (const element of path) {
    if (element === ".") continue
    if (element.startsWith("f:")) out += `.${element.slice(2)}`
    else if (element.startsWith("k:")) {
      const key = JSON.parse(element.slice(2)) as JsonObject
      out += `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}]`
    } else out += `[${element.slice(2)}]`
  }
  return out
}
