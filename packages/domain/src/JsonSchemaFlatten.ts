import type { JsonSchema } from "effect"

/**
 * Folds `allOf` members that are plain keyword sets back into the schema that holds them, when no keyword collides:
 * `{ type: "string", allOf: [{ pattern: "…", maxLength: 28 }], description }` becomes
 * `{ type: "string", pattern: "…", maxLength: 28, description }`, which means the same (JSON Schema's `allOf` is a
 * conjunction) and is what readers and generators expect. Empty members (`{}`) are dropped.
 *
 * Why it is needed: every domain rule is a check group (`Rules.make`: "no NUL" first, then the rule itself), and
 * Effect compiles a check group, with any description annotated on it, as an `allOf` member rather than inline. That
 * nests descriptions where no generator reads them and leaves `allOf: [{}]` where a rule has no JSON Schema keyword
 * (Redocly: "Schema in `allOf` is empty"). Validation is unchanged; only the document's shape is.
 */

type Json = { readonly [key: string]: unknown }

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

const walk = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(walk)
  if (!isObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) out[key] = walk(inner)
  return Array.isArray(out.allOf) ? fold(out, out.allOf) : out
}

/** Keywords that constrain or describe one value on their own, so folding them changes nothing. */
const foldable = new Set([
  ...["type", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum"],
  ...["exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties"],
  ...["title", "description", "examples", "default", "readOnly", "writeOnly"],
])

const fold = (schema: Record<string, unknown>, members: ReadonlyArray<unknown>): Record<string, unknown> => {
  const { allOf: _allOf, ...folded } = schema
  const kept: Array<unknown> = []
  for (const member of members) {
    const keys = isObject(member) ? Object.keys(member) : []
    if (!isObject(member) || keys.some((key) => !foldable.has(key) || key in folded)) kept.push(member)
    else Object.assign(folded, member)
  }
  return kept.length === 0 ? folded : { ...folded, allOf: kept }
}

export const flatten = (schema: object): JsonSchema.JsonSchema => {
  const folded = walk(schema)
  return isObject(folded) ? { ...folded } : {}
}
