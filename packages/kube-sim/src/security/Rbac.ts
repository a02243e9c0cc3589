import { matchesLabelSelector } from "../apiserver/Selectors.ts"
import type { KObject, LabelSelector } from "../Objects.ts"
import { type Attributes, combinedResource, type UserInfo } from "./Attributes.ts"

/** One `rules[]` entry of a Role or ClusterRole. */
export interface PolicyRule {
  readonly verbs?: ReadonlyArray<string>
  readonly apiGroups?: ReadonlyArray<string>
  readonly resources?: ReadonlyArray<string>
  readonly resourceNames?: ReadonlyArray<string>
  readonly nonResourceURLs?: ReadonlyArray<string>
}

interface Subject {
  readonly kind: string
  readonly name: string
  readonly namespace?: string
}

interface RoleRef {
  readonly kind: string
  readonly name: string
}

/** The RBAC objects stored in the cluster, as authorization reads them. */
export interface RbacObjects {
  readonly roles: ReadonlyArray<KObject>
  readonly clusterRoles: ReadonlyArray<KObject>
  readonly roleBindings: ReadonlyArray<KObject>
  readonly clusterRoleBindings: ReadonlyArray<KObject>
}

export interface Decision {
  readonly allowed: boolean
  /** Why not, when the bindings point at roles that do not exist (the real server appends this to the 403). */
  readonly reason: string
}

const rulesOf = (role: KObject): ReadonlyArray<PolicyRule> => (role.rules as ReadonlyArray<PolicyRule>) ?? []
const subjectsOf = (binding: KObject): ReadonlyArray<Subject> =>
  (binding.subjects as ReadonlyArray<Subject> | undefined) ?? []
const roleRefOf = (binding: KObject): RoleRef | undefined => binding.roleRef as RoleRef | undefined

const serviceAccountPrefix = "system:serviceaccount:"

/** `system:serviceaccount:<namespace>:<name>`: the user a ServiceAccount's token authenticates as. */
export const serviceAccountUsername = (namespace: string, name: string): string =>
  `${serviceAccountPrefix}${namespace}:${name}`

/**
 * Whether `subject` of a binding names `user`. A ServiceAccount subject without a namespace means the binding's
 * own namespace (RoleBindings only; a ClusterRoleBinding's must say it).
 */
export const subjectMatches = (subject: Subject, user: UserInfo, bindingNamespace: string): boolean => {
  switch (subject.kind) {
    case "User":
      return subject.name === user.username
    case "Group":
      return user.groups.includes(subject.name)
    case "ServiceAccount": {
      const namespace = subject.namespace || bindingNamespace
      return namespace !== "" && user.username === serviceAccountUsername(namespace, subject.name)
    }
    default:
      return false
  }
}

const has = (list: ReadonlyArray<string> | undefined, value: string): boolean =>
  (list ?? []).some((item) => item === "*" || item === value)

const resourceMatches = (rule: PolicyRule, attributes: Attributes): boolean => {
  const combined = combinedResource(attributes)
  return (rule.resources ?? []).some(
    (resource) =>
      resource === "*" ||
      resource === combined ||
      (attributes.subresource !== "" && resource === `*/${attributes.subresource}`),
  )
}

const nonResourceMatches = (rule: PolicyRule, path: string): boolean =>
  (rule.nonResourceURLs ?? []).some(
    (url) => url === "*" || url === path || (url.endsWith("*") && path.startsWith(url.slice(0, -1))),
  )

/** Whether one rule grants the request: verb, group, resource (with subresource) and name, or the path. */
export const ruleAllows = (rule: PolicyRule, attributes: Attributes): boolean => {
  if (!has(rule.verbs, attributes.verb)) return false
  if (!attributes.resourceRequest) return nonResourceMatches(rule, attributes.path)
  if (!has(rule.apiGroups, attributes.apiGroup) || !resourceMatches(rule, attributes)) return false
  const names = rule.resourceNames ?? []
  return names.length === 0 || names.includes(attributes.name)
}

/**
 * A ClusterRole's rules, with those of the ClusterRoles its `aggregationRule` selects (what the aggregation
 * controller writes into it on a real cluster), followed transitively.
 */
export const clusterRoleRules = (
  role: KObject,
  clusterRoles: ReadonlyArray<KObject>,
  seen: Set<string> = new Set(),
): ReadonlyArray<PolicyRule> => {
  seen.add(role.metadata.name ?? "")
  const selectors = (role.aggregationRule as { clusterRoleSelectors?: ReadonlyArray<LabelSelector> } | undefined)
    ?.clusterRoleSelectors
  if (selectors === undefined) return rulesOf(role)
  const aggregated: Array<PolicyRule> = [...rulesOf(role)]
  for (const other of clusterRoles) {
    if (seen.has(other.metadata.name ?? "")) continue
    if (!selectors.some((selector) => matchesLabelSelector(selector, other.metadata.labels))) continue
    aggregated.push(...clusterRoleRules(other, clusterRoles, seen))
  }
  return aggregated
}

const byName = (objects: ReadonlyArray<KObject>, name: string, namespace?: string) =>
  objects.find((o) => o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace))

/**
 * The RBAC authorizer: allowed when a ClusterRoleBinding, or (for a request in a namespace) a RoleBinding of that
 * namespace, binds the user (by name, group or ServiceAccount) to a role with a rule that grants the request.
 * Nothing is ever denied explicitly; what no rule grants is refused.
 */
export const authorize = (user: UserInfo, attributes: Attributes, rbac: RbacObjects): Decision => {
  const missing: Array<string> = []
  const roleRules = (ref: RoleRef | undefined, namespace: string): ReadonlyArray<PolicyRule> => {
    if (ref === undefined) return []
    if (ref.kind === "ClusterRole") {
      const role = byName(rbac.clusterRoles, ref.name)
      if (role) return clusterRoleRules(role, rbac.clusterRoles)
      missing.push(`clusterrole.rbac.authorization.k8s.io "${ref.name}" not found`)
      return []
    }
    if (ref.kind === "Role" && namespace !== "") {
      const role = byName(rbac.roles, ref.name, namespace)
      if (role) return rulesOf(role)
      missing.push(`role.rbac.authorization.k8s.io "${ref.name}" not found`)
    }
    return []
  }
  const grants = (binding: KObject, namespace: string) =>
    subjectsOf(binding).some((subject) => subjectMatches(subject, user, namespace)) &&
    roleRules(roleRefOf(binding), namespace).some((rule) => ruleAllows(rule, attributes))
  for (const binding of rbac.clusterRoleBindings) if (grants(binding, "")) return { allowed: true, reason: "" }
  if (attributes.resourceRequest && attributes.namespace !== "") {
    for (const binding of rbac.roleBindings) {
      if (binding.metadata.namespace !== attributes.namespace) continue
      if (grants(binding, attributes.namespace)) return { allowed: true, reason: "" }
    }
  }
  return { allowed: false, reason: missing.length > 0 ? `RBAC: ${missing.join(", ")}` : "" }
}
