import { clone, isObject, type Json, type JsonObject } from "../Json.ts"

const canonical = (value: Json): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (isObject(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k]!)}`)
      .join(",")}}`
  return JSON.stringify(value)
}

const alphabet = "bcdfghjklmnpqrstvwxz2456789"

/** pod-template-hash: a short, stable name for a template (FNV-1a, spelled in the API server's safe alphabet). */
export const templateHash = (template: Json, collisions = 0): string => {
  let hash = 0x811c9dc5
  const text = canonical(template) + (collisions > 0 ? String(collisions) : "")
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  let out = ""
  let n = hash
  do {
    out += alphabet[n % alphabet.length]
    n = Math.floor(n / alphabet.length)
  } while (n > 0)
  return out
}

// Stored objects never change, so a template's identity can be remembered by reference.
const identities = new WeakMap<object, string>()

/** What two templates are compared by: everything but the pod-template-hash label. */
export const identity = (template: Json | undefined): string => {
  if (!isObject(template)) return canonical(withoutHash(template))
  let known = identities.get(template)
  if (known === undefined) {
    known = canonical(withoutHash(template))
    identities.set(template, known)
  }
  return known
}

/** A pod template without its pod-template-hash label: what the hash is taken of. */
export const withoutHash = (template: Json | undefined): Json => {
  const copy = clone(template ?? {}) as JsonObject
  const metadata = isObject(copy.metadata) ? copy.metadata : undefined
  if (metadata && isObject(metadata.labels)) {
    delete metadata.labels["pod-template-hash"]
    if (Object.keys(metadata.labels).length === 0) delete metadata.labels
  }
  return copy
}
