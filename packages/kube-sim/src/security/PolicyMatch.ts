import { matchesLabelSelector } from "../apiserver/Selectors.ts"
import type { KObject, LabelSelector } from "../Objects.ts"

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT"

/** What admission knows of a write: the request's resource, the object before and after, and where it lives. */
export interface AdmissionRequest {
  readonly operation: Operation
  readonly group: string
  readonly version: string
  readonly kind: string
  /** Plural, e.g. `pods`. */
  readonly resource: string
  readonly subresource: string
  readonly namespaced: boolean
  readonly name: string
  readonly namespace: string
  /** The object as it would be stored (null for DELETE). */
  readonly object: KObject | null
  /** The stored object (null for CREATE). */
  readonly oldObject: KObject | null
  /** The Namespace the object is in (null for cluster-scoped objects). */
  readonly namespaceObject: KObject | null
  readonly userInfo: {
    readonly username: string
    readonly uid?: string
    readonly groups: ReadonlyArray<string>
    readonly extra?: Readonly<Record<string, ReadonlyArray<string>>>
  }
  readonly dryRun: boolean
}

/** One `resourceRules[]` entry (NamedRuleWithOperations). */
export interface ResourceRule {
  readonly apiGroups?: ReadonlyArray<string>
  readonly apiVersions?: ReadonlyArray<string>
  readonly operations?: ReadonlyArray<string>
  readonly resources?: ReadonlyArray<string>
  readonly resourceNames?: ReadonlyArray<string>
  readonly scope?: string
}

/** A policy's `matchConstraints` or a binding's `matchResources`. */
export interface MatchResources {
  readonly namespaceSelector?: LabelSelector
  readonly objectSelector?: LabelSelector
  readonly resourceRules?: ReadonlyArray<ResourceRule>
  readonly excludeResourceRules?: ReadonlyArray<ResourceRule>
}

const listed = (list: ReadonlyArray<string> | undefined, value: string) =>
  (list ?? []).some((item) => item === "*" || item === value)

/**
 * Whether a rule's `resources` names the request's: `*` is every resource but no subresource, `pods/*` every
 * subresource of pods, `*\/scale` every scale subresource, `*\/*` everything.
 */
const resourceListed = (resources: ReadonlyArray<string> | undefined, request: AdmissionRequest): boolean =>
  (resources ?? []).some((entry) => {
    if (request.subresource === "") return entry === "*" || entry === request.resource
    const [resource, subresource] = entry.split("/", 2)
    return (
      subresource !== undefined &&
      (resource === "*" || resource === request.resource) &&
      (subresource === "*" || subresource === request.subresource)
    )
  })

export const ruleMatches = (rule: ResourceRule, request: AdmissionRequest): boolean => {
  if (!listed(rule.operations, request.operation)) return false
  if (!listed(rule.apiGroups, request.group) || !listed(rule.apiVersions, request.version)) return false
  if (!resourceListed(rule.resources, request)) return false
  const names = rule.resourceNames ?? []
  if (names.length > 0 && !names.includes(request.name)) return false
  const scope = rule.scope ?? "*"
  return scope === "*" || (scope === "Namespaced") === request.namespaced
}

const labelsOf = (obj: KObject | null) => obj?.metadata.labels ?? {}

/**
 * `namespaceSelector` judges the labels of the object's namespace; for a Namespace its own; any other
 * cluster-scoped object is never excluded by it.
 */
const namespaceMatches = (selector: LabelSelector | undefined, request: AdmissionRequest): boolean => {
  if (selector === undefined) return true
  if (request.group === "" && request.resource === "namespaces") {
    return matchesLabelSelector(selector, labelsOf(request.object ?? request.oldObject))
  }
  if (!request.namespaced) return true
  return matchesLabelSelector(selector, labelsOf(request.namespaceObject))
}

/** `objectSelector` matches when the new or the old object's labels match. */
const objectMatches = (selector: LabelSelector | undefined, request: AdmissionRequest): boolean =>
  selector === undefined ||
  [request.object, request.oldObject].some((obj) => obj !== null && matchesLabelSelector(selector, labelsOf(obj)))

/**
 * Whether `match` selects the request. A binding without `resourceRules` keeps what its policy matched;
 * exclusions win over inclusions.
 */
export const matchesResources = (
  match: MatchResources | undefined,
  request: AdmissionRequest,
  rulesRequired: boolean,
): boolean => {
  if (match === undefined) return !rulesRequired
  if (!namespaceMatches(match.namespaceSelector, request)) return false
  if (!objectMatches(match.objectSelector, request)) return false
  const rules = match.resourceRules ?? []
  if ((rulesRequired || rules.length > 0) && !rules.some((rule) => ruleMatches(rule, request))) return false
  return !(match.excludeResourceRules ?? []).some((rule) => ruleMatches(rule, request))
}
