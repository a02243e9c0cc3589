import type { Json } from "../Json.ts"
import { validatorFor } from "./OpenApi.ts"
import type { ResourceType } from "./Registry.ts"
import { badRequest } from "./Status.ts"

/**
 * Fields a kind's schema does not declare, found and dropped the way the API server's decoder does
 * (`?fieldValidation=`): `Strict` refuses the request (400), `Warn` (the server's default when a client names none,
 * as `@kubernetes/client-node` does) and `Ignore` drop them, `Warn` with one `Warning` header per field.
 *
 * The schemas come as generated validators, not as documents, so which members an object of a given place may have
 * is learned by watching the validator read a request's body: a validator looks up every member its schema declares
 * (present or not), enumerates the keys of a map, and reads nothing of a free-form object. What was learned per
 * kind is kept, so a body of a shape seen before is checked without running the validator again.
 */

export type FieldValidation = "Ignore" | "Warn" | "Strict"

export const fieldValidationOf = (value: string | null): FieldValidation => {
  if (value === null || value === "") return "Warn"
  if (value === "Ignore" || value === "Warn" || value === "Strict") return value
  throw badRequest(`fieldValidation parameter must be one of Ignore, Warn, or Strict, got ${JSON.stringify(value)}`)
}

/** What is known of one place in a kind's objects. */
interface Shape {
  /** Seen as an object, with the validator at work on it. */
  object: boolean
  /** Members the validator looked up: every member the schema declares there. */
  readonly declared: Set<string>
  /** The validator enumerated the keys: a map, whose every key is allowed. */
  map: boolean
  /** Object members by name, map values as `*`, list items as `[]`. */
  readonly children: Map<string, Shape>
}

const shape = (): Shape => ({ object: false, declared: new Set(), map: false, children: new Map() })

const childShape = (parent: Shape, key: string): Shape => {
  let found = parent.children.get(key)
  if (found === undefined) {
    found = shape()
    parent.children.set(key, found)
  }
  return found
}

/** `value` behind a proxy that records into `into` what the validator reads. */
const watched = (value: Json, into: Shape): Json => {
  if (typeof value !== "object" || value === null) return value
  const list = Array.isArray(value)
  if (!list) into.object = true
  return new Proxy(value, {
    get(target, key, receiver) {
      const member: unknown = Reflect.get(target, key, receiver)
      if (typeof key !== "string" || (list && !/^\d+$/.test(key))) return member
      if (!list) into.declared.add(key)
      if (typeof member !== "object" || member === null) return member
      return watched(member as Json, childShape(into, list ? "[]" : into.map ? "*" : key))
    },
    has(target, key) {
      if (typeof key === "string" && !list) into.declared.add(key)
      return Reflect.has(target, key)
    },
    ownKeys(target) {
      if (!list) into.map = true
      return Reflect.ownKeys(target)
    },
  })
}

const learned = new WeakMap<ResourceType, Shape>()

const childPath = (path: string, key: string) => (path ? `${path}.${key}` : key)

/**
 * Walks `value` against what is known; collects undeclared members in `out`. Returns false when a place is not
 * known yet (unless `settled`: then an unknown place counts as free-form, as the validator did not look into it).
 */
const walk = (value: unknown, at: Shape | undefined, path: string, out: UnknownField[], settled: boolean): boolean => {
  if (typeof value !== "object" || value === null) return true
  if (Array.isArray(value)) {
    const items = at?.children.get("[]")
    let done = true
    value.forEach((item, i) => {
      done = walk(item, items, `${path}[${i}]`, out, settled) && done
    })
    return done
  }
  if (at === undefined || !at.object) return settled
  const members = value as Record<string, unknown>
  if (at.map) {
    let done = true
    for (const [key, member] of Object.entries(members))
      done = walk(member, at.children.get("*"), childPath(path, key), out, settled) && done
    return done
  }
  // A validator that read nothing of an object met a free-form one (x-kubernetes-preserve-unknown-fields).
  if (at.declared.size === 0) return true
  let done = true
  for (const [key, member] of Object.entries(members)) {
    if (!at.declared.has(key)) out.push({ path: childPath(path, key), parent: members, key })
    else done = walk(member, at.children.get(key), childPath(path, key), out, settled) && done
  }
  return done
}

/** A member the schema does not declare: where (`spec.template.spec.containers[0].foo`), and how to drop it. */
export interface UnknownField {
  readonly path: string
  readonly parent: Record<string, unknown>
  readonly key: string
}

/** The members of `body` its kind's schema does not declare. */
export const unknownFields = (type: ResourceType, body: object): UnknownField[] => {
  const validate = validatorFor(type)
  if (validate === undefined) return []
  let root = learned.get(type)
  if (root === undefined) {
    root = shape()
    learned.set(type, root)
  }
  const found: UnknownField[] = []
  if (walk(body, root, "", found, false)) return found
  validate(watched(body as Json, root))
  const again: UnknownField[] = []
  walk(body, root, "", again, true)
  return again
}

/** Removes the members `unknownFields` found from the body they were found in. */
export const prune = (fields: ReadonlyArray<UnknownField>): void => {
  for (const field of fields) delete field.parent[field.key]
}

/**
 * Applies `mode` to the members of `body` its schema does not declare: Strict refuses, Warn and Ignore drop them
 * (in place), Warn also returns one warning per field. An apply reports them in structured-merge-diff's words.
 */
export const checkFields = (
  type: ResourceType,
  body: object,
  mode: FieldValidation,
  style: "decode" | "apply",
): ReadonlyArray<string> => {
  const unknown = unknownFields(type, body)
  if (unknown.length === 0) return []
  const problems = unknown.map((field) =>
    style === "apply" ? `.${field.path}: field not declared in schema` : `unknown field "${field.path}"`,
  )
  if (mode === "Strict") {
    const gvk = `${type.group ? `${type.group}/` : ""}${type.version}, Kind=${type.kind}`
    throw badRequest(
      style === "apply"
        ? `failed to create typed patch object (${gvk}): ${problems.join(", ")}`
        : `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${problems.join(", ")}`,
    )
  }
  prune(unknown)
  return mode === "Warn" ? problems : []
}
