import type { KObject, LabelSelector } from "../Objects.ts"
import { badRequest } from "./Status.ts"

/** One parsed requirement of a label selector. */
export interface Requirement {
  readonly key: string
  readonly operator: "=" | "!=" | "in" | "notin" | "exists" | "!exists"
  readonly values: ReadonlyArray<string>
}

export type Selector = ReadonlyArray<Requirement>

const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/** Why a label key is not valid, or undefined. */
export const labelKeyProblem = (key: string): string | undefined => {
  const slash = key.indexOf("/")
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined
  const name = slash >= 0 ? key.slice(slash + 1) : key
  if (prefix !== undefined) {
    if (prefix.length === 0) return "prefix part must be non-empty"
    if (prefix.length > 253 || !dnsSubdomain.test(prefix))
      return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
  }
  if (name.length === 0) return "name part must be non-empty"
  if (name.length > 63) return "name part must be no more than 63 characters"
  if (!labelName.test(name))
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
  return undefined
}

export const labelValueProblem = (value: string): string | undefined => {
  if (value.length > 63) return "must be no more than 63 characters"
  if (!labelValue.test(value))
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
  return undefined
}

const splitTopLevel = (text: string): string[] => {
  const parts: string[] = []
  let depth = 0
  let current = ""
  for (const ch of text) {
    if (ch === "(") depth++
    if (ch === ")") depth--
    if (ch === "," && depth === 0) {
      parts.push(current)
      current = ""
    } else current += ch
  }
  parts.push(current)
  return parts.map((p) => p.trim()).filter((p) => p.length > 0)
}

const parseRequirement = (text: string): Requirement => {
  const fail = (why: string) => badRequest(`unable to parse requirement: ${why}`)
  let match = /^!\s*([^\s=!(),]+)$/.exec(text)
  if (match) return check({ key: match[1]!, operator: "!exists", values: [] }, fail)
  match = /^([^\s=!(),]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text)
  if (match) {
    const values = match[3]!
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v.length > 0)
    if (values.length === 0) throw fail(`for 'in', 'notin' operators, values set can't be empty`)
    return check({ key: match[1]!, operator: match[2] as "in" | "notin", values }, fail)
  }
  match = /^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(text)
  if (match) {
    const operator = match[2] === "!=" ? "!=" : "="
    return check({ key: match[1]!, operator, values: [match[3]!] }, fail)
  }
  match = /^([^\s=!(),]+)$/.exec(text)
  if (match) return check({ key: match[1]!, operator: "exists", values: [] }, fail)
  throw badRequest(`unable to parse requirement: found '${text}', expected: in, notin, =, ==, !=, gt, lt`)
}

const check = (req: Requirement, fail: (why: string) => Error): Requirement => {
  const keyProblem = labelKeyProblem(req.key)
  if (keyProblem) throw fail(`values[0][${req.key}]: Invalid value: "${req.key}": ${keyProblem}`)
  for (const value of req.values) {
    const valueProblem = labelValueProblem(value)
    if (valueProblem) throw fail(`values[0][${req.key}]: Invalid value: "${value}": ${valueProblem}`)
  }
  return req
}

/** Parses `?labelSelector=` (`a=b,c!=d,e in (f,g),h notin (i),j,!k`); a malformed one is a 400. */
export const parseLabelSelector = (text: string | null | undefined): Selector =>
  text ? splitTopLevel(text).map(parseRequirement) : []

/** A `metav1.LabelSelector` as requirements. An empty selector matches everything, as the API defines it. */
export const fromLabelSelector = (selector: LabelSelector | undefined): Selector => {
  if (selector === undefined) return []
  const out: Requirement[] = []
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    out.push({ key, operator: "=", values: [value] })
  for (const expr of selector.matchExpressions ?? []) {
    const operator =
      expr.operator === "In"
        ? "in"
        : expr.operator === "NotIn"
          ? "notin"
          : expr.operator === "Exists"
            ? "exists"
            : "!exists"
    out.push({ key: expr.key, operator, values: expr.values ?? [] })
  }
  return out
}

export const matches = (selector: Selector, labels: Readonly<Record<string, string>> | undefined): boolean => {
  for (const req of selector) {
    const value = labels?.[req.key]
    switch (req.operator) {
      case "=":
        if (value !== req.values[0]) return false
        break
      case "!=":
        if (value === req.values[0]) return false
        break
      case "in":
        if (value === undefined || !req.values.includes(value)) return false
        break
      case "notin":
        if (value !== undefined && req.values.includes(value)) return false
        break
      case "exists":
        if (value === undefined) return false
        break
      case "!exists":
        if (value !== undefined) return false
        break
    }
  }
  return true
}

export const matchesLabelSelector = (selector: LabelSelector | undefined, labels: Record<string, string> | undefined) =>
  matches(fromLabelSelector(selector), labels)

/** A field selector: exact matches on the few fields the API server indexes per kind. */
export interface FieldRequirement {
  readonly field: string
  readonly operator: "=" | "!="
  readonly value: string
}

const commonFields = ["metadata.name", "metadata.namespace"]
const kindFields: Record<string, ReadonlyArray<string>> = {
  Pod: [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ],
  Secret: ["type"],
  Event: [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
  Job: ["status.successful"],
  Namespace: ["status.phase"],
  Node: ["spec.unschedulable"],
  ReplicaSet: ["status.replicas"],
}

export const parseFieldSelector = (text: string | null | undefined, kind: string): ReadonlyArray<FieldRequirement> => {
  if (!text) return []
  return text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((part) => {
      const match = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part)
      if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`)
      const field = match[1]!
      if (!commonFields.includes(field) && !(kindFields[kind] ?? []).includes(field))
        throw badRequest(`field label not supported: ${field}`)
      return { field, operator: match[2] === "!=" ? "!=" : "=", value: match[3]! } as FieldRequirement
    })
}

const fieldValue = (obj: KObject, field: string): string => {
  let current: unknown = obj
  for (const part of field.split(".")) {
    if (typeof current !== "object" || current === null) return ""
    current = (current as Record<string, unknown>)[part]
  }
  if (field === "status.successful" && current === undefined) return "0"
  return current === undefined || current === null ? "" : String(current)
}

export const matchesFields = (selector: ReadonlyArray<FieldRequirement>, obj: KObject): boolean =>
  selector.every((req) => (fieldValue(obj, req.field) === req.value) === (req.operator === "="))
