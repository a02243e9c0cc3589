import { clone, deepEqual, isObject, type Json, type JsonObject } from "../Json.ts"
import { itemKey } from "./FieldSet.ts"
import { childPath, type Hints } from "./Schema.ts"
import { ApiError, badRequest } from "./Status.ts"

/** The patch content types the API server accepts (apply as YAML; JSON is YAML). */
export const patchTypes = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
] as const

/** RFC 7386 JSON merge patch: objects merge, `null` deletes, everything else replaces. */
export const mergePatch = (target: Json, patch: Json): Json => {
  if (!isObject(patch)) return clone(patch)
  const out: JsonObject = isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key]
    else out[key] = mergePatch(out[key] ?? null, value)
  }
  return out
}

/**
 * Strategic merge patch: a merge patch in which lists the schema keys (containers by name, ports by port and
 * protocol, …) merge item by item, with the `$patch: delete|replace` and `$setElementOrder` directives.
 */
export const strategicMergePatch = (target: Json, patch: Json, hints: Hints, path = ""): Json => {
  if (!isObject(patch)) return clone(patch)
  if (patch.$patch === "replace") {
    const { $patch: _, ...rest } = patch
    return clone(rest)
  }
  if (patch.$patch === "delete") return null
  const out: JsonObject = isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$setElementOrder/") || key === "$retainKeys" || key === "$patch") continue
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const field = key.slice("$deleteFromPrimitiveList/".length)
      const current = out[field]
      if (Array.isArray(current) && Array.isArray(value))
        out[field] = current.filter((item) => !value.some((v) => deepEqual(v, item)))
      continue
    }
    const fieldPath = childPath(path, key)
    if (value === null) {
      delete out[key]
      continue
    }
    if (Array.isArray(value)) {
      const list = hints.list(fieldPath)
      const current = out[key]
      if (list.type === "map" && Array.isArray(current)) {
        const merged = [...current]
        for (const item of value) {
          if (!isObject(item)) continue
          const k = itemKey(item, list)
          const index = merged.findIndex((x) => isObject(x) && itemKey(x, list) === k)
          if (item.$patch === "delete") {
            if (index >= 0) merged.splice(index, 1)
          } else if (index >= 0) {
            merged[index] = strategicMergePatch(merged[index]!, item, hints, `${fieldPath}[]`)
          } else {
            merged.push(strategicMergePatch(null, item, hints, `${fieldPath}[]`))
          }
        }
        out[key] = merged
      } else if (list.type === "set" && Array.isArray(current)) {
        const merged = [...current]
        for (const item of value) if (!merged.some((x) => deepEqual(x, item))) merged.push(clone(item))
        out[key] = merged
      } else {
        out[key] = clone(value)
      }
      continue
    }
    out[key] = isObject(value) ? strategicMergePatch(out[key] ?? null, value, hints, fieldPath) : value
  }
  return out
}

interface Operation {
  op: string
  path: string
  from?: string
  value?: Json
}

const pointer = (path: string): string[] => {
  if (path === "") return []
  if (!path.startsWith("/"))
    throw badRequest(`the server rejected our request due to an error in our request: invalid JSON pointer "${path}"`)
  return path
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
}

const parentOf = (root: Json, parts: string[], path: string): Json => {
  let current = root
  for (const part of parts.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(current)
      ? current[Number(part)]
      : isObject(current)
        ? current[part]
        : undefined
    if (next === undefined) throw new ApiError(422, "Invalid", `doc is missing path: "${path}": missing value`)
    current = next
  }
  return current
}

const read = (root: Json, path: string): Json => {
  const parts = pointer(path)
  if (parts.length === 0) return root
  const parent = parentOf(root, parts, path)
  const last = parts[parts.length - 1]!
  const value = Array.isArray(parent) ? parent[Number(last)] : isObject(parent) ? parent[last] : undefined
  if (value === undefined) throw new ApiError(422, "Invalid", `doc is missing path: "${path}": missing value`)
  return value
}

const add = (root: Json, path: string, value: Json, replace: boolean): Json => {
  const parts = pointer(path)
  if (parts.length === 0) return clone(value)
  const parent = parentOf(root, parts, path)
  const last = parts[parts.length - 1]!
  if (Array.isArray(parent)) {
    const index = last === "-" ? parent.length : Number(last)
    if (!Number.isInteger(index) || index < 0 || index > parent.length)
      throw new ApiError(422, "Invalid", `add operation does not apply: doc is missing path: "${path}": missing value`)
    if (replace) parent[index] = clone(value)
    else parent.splice(index, 0, clone(value))
  } else if (isObject(parent)) {
    if (replace && !(last in parent))
      throw new ApiError(422, "Invalid", `replace operation does not apply: doc is missing key: ${path}: missing value`)
    parent[last] = clone(value)
  } else throw new ApiError(422, "Invalid", `doc is missing path: "${path}": missing value`)
  return root
}

const remove = (root: Json, path: string): Json => {
  const parts = pointer(path)
  const parent = parentOf(root, parts, path)
  const last = parts[parts.length - 1]!
  if (Array.isArray(parent)) {
    const index = Number(last)
    if (!(index >= 0 && index < parent.length))
      throw new ApiError(
        422,
        "Invalid",
        `remove operation does not apply: doc is missing path: "${path}": missing value`,
      )
    parent.splice(index, 1)
  } else if (isObject(parent) && last in parent) delete parent[last]
  else
    throw new ApiError(422, "Invalid", `remove operation does not apply: doc is missing path: "${path}": missing value`)
  return root
}

/** RFC 6902 JSON patch. A failed `test` or a missing path is a 422, as the API server answers. */
export const jsonPatch = (target: Json, operations: unknown): Json => {
  if (!Array.isArray(operations))
    throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
  let doc = clone(target)
  for (const raw of operations as Operation[]) {
    switch (raw.op) {
      case "add":
        doc = add(doc, raw.path, raw.value ?? null, false)
        break
      case "replace":
        doc = add(doc, raw.path, raw.value ?? null, true)
        break
      case "remove":
        doc = remove(doc, raw.path)
        break
      case "test":
        if (!deepEqual(read(doc, raw.path), raw.value ?? null))
          throw new ApiError(
            422,
            "Invalid",
            `the server rejected our request due to an error in our request: testing value ${raw.path} failed: test failed`,
          )
        break
      case "move": {
        const value = read(doc, raw.from ?? "")
        doc = remove(doc, raw.from ?? "")
        doc = add(doc, raw.path, value, false)
        break
      }
      case "copy":
        doc = add(doc, raw.path, read(doc, raw.from ?? ""), false)
        break
      default:
        throw badRequest(`Unexpected kind: ${String(raw.op)}`)
    }
  }
  return doc
}
