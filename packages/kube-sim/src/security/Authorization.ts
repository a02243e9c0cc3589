import { ApiError } from "../apiserver/Status.ts"
import { type Attributes, combinedResource, type UserInfo } from "./Attributes.ts"
import { type PolicyRule, type RbacObjects, authorize as rbacAuthorize, ruleAllows } from "./Rbac.ts"

/** Members of this group are allowed everything without looking at RBAC, as on a real cluster. */
export const mastersGroup = "system:masters"
export const authenticatedGroup = "system:authenticated"
export const unauthenticatedGroup = "system:unauthenticated"

/**
 * The bootstrap ClusterRoles every cluster binds to every caller (system:discovery, system:basic-user and
 * system:public-info-viewer): discovery and version for the authenticated, health and version for anyone.
 * Built in here rather than stored, so a fresh kube-sim holds only what tests put in it.
 */
const bootstrap: ReadonlyArray<{ readonly groups: ReadonlyArray<string>; readonly rules: ReadonlyArray<PolicyRule> }> =
  [
    {
      groups: [authenticatedGroup],
      rules: [
        {
          verbs: ["get"],
          nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*", "/version", "/version/"],
        },
        {
          verbs: ["create"],
          apiGroups: ["authorization.k8s.io"],
          resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
        },
        { verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"] },
      ],
    },
    {
      groups: [authenticatedGroup, unauthenticatedGroup],
      rules: [{ verbs: ["get"], nonResourceURLs: ["/healthz", "/livez", "/readyz", "/version", "/version/"] }],
    },
  ]

const bootstrapAllows = (user: UserInfo, attributes: Attributes): boolean =>
  bootstrap.some(
    ({ groups, rules }) =>
      groups.some((group) => user.groups.includes(group)) && rules.some((rule) => ruleAllows(rule, attributes)),
  )

/**
 * The 403 the real server sends: `secrets "db" is forbidden: User "system:serviceaccount:ns:sa" cannot get resource
 * "secrets" in API group "" in the namespace "kube-system"` (or `at the cluster scope`, or `cannot get path "/x"`).
 */
export const forbidden = (user: UserInfo, attributes: Attributes, reason = ""): ApiError => {
  const who = `User "${user.username}" cannot ${attributes.verb}`
  const what = !attributes.resourceRequest
    ? `${who} path "${attributes.path}"`
    : attributes.namespace !== ""
      ? `${who} resource "${combinedResource(attributes)}" in API group "${attributes.apiGroup}" in the namespace "${attributes.namespace}"`
      : `${who} resource "${combinedResource(attributes)}" in API group "${attributes.apiGroup}" at the cluster scope`
  const why = reason === "" ? what : `${what}: ${reason}`
  if (!attributes.resourceRequest) return new ApiError(403, "Forbidden", `forbidden: ${why}`, {})
  const qualified = attributes.apiGroup ? `${attributes.resource}.${attributes.apiGroup}` : attributes.resource
  const subject = attributes.name === "" ? qualified : `${qualified} "${attributes.name}"`
  return new ApiError(403, "Forbidden", `${subject} is forbidden: ${why}`, {
    name: attributes.name,
    ...(attributes.apiGroup ? { group: attributes.apiGroup } : {}),
    kind: attributes.resource,
  })
}

/**
 * The authorizer chain of a real cluster: system:masters first, then the bootstrap roles, then RBAC over the
 * stored Roles, ClusterRoles and their bindings. Throws the 403 when none allows the request.
 */
export const authorize = (user: UserInfo, attributes: Attributes, rbac: () => RbacObjects): void => {
  if (user.groups.includes(mastersGroup) || bootstrapAllows(user, attributes)) return
  const decision = rbacAuthorize(user, attributes, rbac())
  if (!decision.allowed) throw forbidden(user, attributes, decision.reason)
}
