import { deepEqual, getPath, isObject, type Json, type JsonObject } from "../Json.ts"
import { labelKeyProblem, labelValueProblem } from "./Selectors.ts"
import { type Cause, forbidden, invalidValue, notSupported, required } from "./Status.ts"

/** Small rules every kind's validation shares: reading JSON loosely, labels, selectors, counts, immutable fields. */

export const asObject = (value: unknown): JsonObject => (isObject(value) ? value : {})

export const asArray = (value: unknown): Json[] => (Array.isArray(value) ? value : [])

export const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)

export const validateLabels = (labels: unknown, field: string, causes: Cause[]) => {
  for (const [key, value] of Object.entries(asObject(labels))) {
    const keyProblem = labelKeyProblem(key)
    if (keyProblem) causes.push(invalidValue(field, key, keyProblem))
    if (typeof value !== "string") continue
    const valueProblem = labelValueProblem(value)
    if (valueProblem) causes.push(invalidValue(field, value, valueProblem))
  }
}

export const validateSelector = (selector: JsonObject, field: string, causes: Cause[]) => {
  validateLabels(selector.matchLabels, `${field}.matchLabels`, causes)
  asArray(selector.matchExpressions).forEach((expr, i) => {
    const e = asObject(expr)
    const at = `${field}.matchExpressions[${i}]`
    const op = asString(e.operator)
    if (!op || !["In", "NotIn", "Exists", "DoesNotExist"].includes(op))
      causes.push(notSupported(`${at}.operator`, op ?? "", ["In", "NotIn", "Exists", "DoesNotExist"]))
    const values = asArray(e.values)
    if ((op === "In" || op === "NotIn") && values.length === 0)
      causes.push(required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"))
    if ((op === "Exists" || op === "DoesNotExist") && values.length > 0)
      causes.push(forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
  })
}

export const nonNegative = (value: unknown, field: string, causes: Cause[]) => {
  if (value === undefined) return
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    causes.push(invalidValue(field, value, "must be greater than or equal to 0"))
}

export const immutable = (obj: JsonObject, old: JsonObject | undefined, path: string, causes: Cause[]) => {
  if (old === undefined) return
  const parts = path.split(".")
  const before = getPath(old, parts)
  const after = getPath(obj, parts)
  if (before !== undefined && !deepEqual(before, after))
    causes.push(invalidValue(path, after ?? null, "field is immutable"))
}
