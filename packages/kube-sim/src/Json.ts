/** JSON values as the API server sees them: what comes off the wire and what is stored. */
export type Json = null | boolean | number | string | Json[] | JsonObject
export interface JsonObject {
  [key: string]: Json
}

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const clone = <A>(value: A): A => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as A))

export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const ao = a as Record<string, unknown>
  const bo = b as Record<string, unknown>
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined)
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined)
  if (ak.length !== bk.length) return false
  for (const k of ak) if (!deepEqual(ao[k], bo[k])) return false
  return true
}

/** Reads a dotted path (`spec.template.metadata.labels`) through nested objects. */
export const getPath = (value: unknown, path: ReadonlyArray<string>): unknown => {
  let current: unknown = value
  for (const part of path) {
    if (!isObject(current)) return undefined
    current = current[part]
  }
  return current
}

/** Drops `undefined` members (and `null` ones when asked), recursively, the way a JSON round trip would. */
export const normalize = (value: unknown): Json => JSON.parse(JSON.stringify(value ?? null)) as Json
