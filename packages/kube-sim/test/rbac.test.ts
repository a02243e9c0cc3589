import { describe, expect, it } from "vitest"
import type { KObject } from "../src/Objects.ts"
import { attributesOf, type UserInfo } from "../src/security/Attributes.ts"
import { authorize as chain, forbidden } from "../src/security/Authorization.ts"
import { authorize, type RbacObjects } from "../src/security/Rbac.ts"

/** RBAC decisions as a real cluster makes them, from the request's path and the stored roles and bindings. */

const sa = (namespace: string, name: string): UserInfo => ({
  username: `system:serviceaccount:${namespace}:${name}`,
  groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
})
const alice: UserInfo = { username: "alice", groups: ["developers", "system:authenticated"] }

const clusterRole = (name: string, rules: ReadonlyArray<object>, extra: Partial<KObject> = {}): KObject => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRole",
  metadata: { name, ...(extra.metadata ?? {}) },
  rules: rules as KObject["rules"],
  ...(extra.aggregationRule !== undefined ? { aggregationRule: extra.aggregationRule } : {}),
})
const role = (namespace: string, name: string, rules: ReadonlyArray<object>): KObject => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "Role",
  metadata: { name, namespace },
  rules: rules as KObject["rules"],
})
const binding = (
  kind: "RoleBinding" | "ClusterRoleBinding",
  name: string,
  roleRef: { kind: string; name: string },
  subjects: ReadonlyArray<object>,
  namespace?: string,
): KObject => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
  subjects: subjects as KObject["subjects"],
})

const none: RbacObjects = { roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [] }
const ask = (user: UserInfo, method: string, path: string, rbac: RbacObjects, query = "") =>
  authorize(user, attributesOf(method, path, new URLSearchParams(query)), rbac).allowed

describe("request attributes", () => {
  it("read the verb, group, resource, subresource, name and namespace from the path", () => {
    const q = new URLSearchParams()
    expect(attributesOf("GET", "/apis/apps/v1/namespaces/web/deployments/api/status", q)).toMatchObject({
      verb: "get",
      apiGroup: "apps",
      resource: "deployments",
      subresource: "status",
      name: "api",
      namespace: "web",
    })
    expect(attributesOf("GET", "/api/v1/namespaces/web/pods", new URLSearchParams("watch=true")).verb).toBe("watch")
    expect(attributesOf("GET", "/api/v1/watch/namespaces/web/pods", q).verb).toBe("watch")
    expect(attributesOf("DELETE", "/api/v1/namespaces/web/pods", q).verb).toBe("deletecollection")
    expect(attributesOf("PATCH", "/api/v1/namespaces/web/services/api", q).verb).toBe("patch")
    // A namespace is in itself: a RoleBinding there may grant reading it.
    expect(attributesOf("GET", "/api/v1/namespaces/web", q)).toMatchObject({
      resource: "namespaces",
      name: "web",
      namespace: "web",
    })
    expect(attributesOf("GET", "/apis", q)).toMatchObject({ resourceRequest: false, verb: "get", path: "/apis" })
    expect(
      attributesOf("GET", "/api/v1/namespaces/web/secrets", new URLSearchParams("fieldSelector=metadata.name=db")).name,
    ).toBe("db")
  })
})

describe("RBAC", () => {
  const reader = clusterRole("reader", [{ apiGroups: [""], resources: ["pods", "configmaps"], verbs: ["get", "list"] }])

  it("a RoleBinding grants its role in its own namespace only", () => {
    const rbac = {
      ...none,
      clusterRoles: [reader],
      roleBindings: [
        binding(
          "RoleBinding",
          "r",
          { kind: "ClusterRole", name: "reader" },
          [{ kind: "ServiceAccount", name: "app" }],
          "web",
        ),
      ],
    }
    expect(ask(sa("web", "app"), "GET", "/api/v1/namespaces/web/pods", rbac)).toBe(true)
    expect(ask(sa("web", "app"), "GET", "/api/v1/namespaces/other/pods", rbac)).toBe(false)
    // The subject's namespace defaults to the binding's: another namespace's "app" is someone else.
    expect(ask(sa("other", "app"), "GET", "/api/v1/namespaces/web/pods", rbac)).toBe(false)
    expect(ask(sa("web", "app"), "DELETE", "/api/v1/namespaces/web/pods/x", rbac)).toBe(false)
    expect(ask(sa("web", "app"), "GET", "/api/v1/pods", rbac)).toBe(false)
  })

  it("a ClusterRoleBinding grants everywhere, to users, groups and service accounts", () => {
    const rbac = {
      ...none,
      clusterRoles: [reader],
      clusterRoleBindings: [
        binding("ClusterRoleBinding", "r", { kind: "ClusterRole", name: "reader" }, [
          { kind: "Group", name: "developers" },
        ]),
      ],
    }
    expect(ask(alice, "GET", "/api/v1/pods", rbac)).toBe(true)
    expect(ask(alice, "GET", "/api/v1/namespaces/any/configmaps/x", rbac)).toBe(true)
    expect(ask(sa("web", "app"), "GET", "/api/v1/pods", rbac)).toBe(false)
    const all = {
      ...rbac,
      clusterRoleBindings: [
        binding("ClusterRoleBinding", "r", { kind: "ClusterRole", name: "reader" }, [
          { kind: "Group", name: "system:serviceaccounts" },
        ]),
      ],
    }
    expect(ask(sa("web", "app"), "GET", "/api/v1/pods", all)).toBe(true)
  })

  it("wildcards, subresources and resourceNames match as on a real cluster", () => {
    const rbac = {
      ...none,
      clusterRoles: [
        clusterRole("scaler", [
          { apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["*"] },
          { apiGroups: ["*"], resources: ["*/status"], verbs: ["get"] },
          { apiGroups: [""], resources: ["secrets"], resourceNames: ["db"], verbs: ["get"] },
          { nonResourceURLs: ["/metrics", "/logs/*"], verbs: ["get"] },
        ]),
      ],
      clusterRoleBindings: [
        binding("ClusterRoleBinding", "s", { kind: "ClusterRole", name: "scaler" }, [{ kind: "User", name: "alice" }]),
      ],
    }
    expect(ask(alice, "PATCH", "/apis/apps/v1/namespaces/web/deployments/api/scale", rbac)).toBe(true)
    expect(ask(alice, "PATCH", "/apis/apps/v1/namespaces/web/deployments/api", rbac)).toBe(false)
    expect(ask(alice, "GET", "/apis/batch/v1/namespaces/web/jobs/j/status", rbac)).toBe(true)
    expect(ask(alice, "GET", "/apis/batch/v1/namespaces/web/jobs/j", rbac)).toBe(false)
    expect(ask(alice, "GET", "/api/v1/namespaces/web/secrets/db", rbac)).toBe(true)
    expect(ask(alice, "GET", "/api/v1/namespaces/web/secrets/other", rbac)).toBe(false)
    // A list names no object: resourceNames cannot grant it, unless it asks for that one by name.
    expect(ask(alice, "GET", "/api/v1/namespaces/web/secrets", rbac)).toBe(false)
    expect(ask(alice, "GET", "/metrics", rbac)).toBe(true)
    expect(ask(alice, "GET", "/logs/kubelet", rbac)).toBe(true)
    expect(ask(alice, "GET", "/debug", rbac)).toBe(false)
  })

  it("an aggregated ClusterRole has the rules of the roles its selectors pick", () => {
    const aggregate = clusterRole("monitoring", [], {
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "example.com/aggregate-to-monitoring": "true" } }] },
    })
    const piece = clusterRole(
      "monitoring-endpoints",
      [{ apiGroups: [""], resources: ["endpoints"], verbs: ["list"] }],
      {
        metadata: { name: "monitoring-endpoints", labels: { "example.com/aggregate-to-monitoring": "true" } },
      },
    )
    const rbac = {
      ...none,
      clusterRoles: [aggregate, piece],
      clusterRoleBindings: [
        binding("ClusterRoleBinding", "m", { kind: "ClusterRole", name: "monitoring" }, [
          { kind: "User", name: "alice" },
        ]),
      ],
    }
    expect(ask(alice, "GET", "/api/v1/endpoints", rbac)).toBe(true)
    expect(ask(alice, "GET", "/api/v1/pods", rbac)).toBe(false)
  })

  it("a Role binds only in its namespace, and a missing role is named in the refusal", () => {
    const rbac = {
      ...none,
      roles: [role("web", "edit", [{ apiGroups: [""], resources: ["configmaps"], verbs: ["create"] }])],
      roleBindings: [
        binding("RoleBinding", "e", { kind: "Role", name: "edit" }, [{ kind: "User", name: "alice" }], "web"),
        binding("RoleBinding", "gone", { kind: "Role", name: "gone" }, [{ kind: "User", name: "alice" }], "web"),
      ],
    }
    expect(ask(alice, "POST", "/api/v1/namespaces/web/configmaps", rbac)).toBe(true)
    const decision = authorize(
      alice,
      attributesOf("POST", "/api/v1/namespaces/web/secrets", new URLSearchParams()),
      rbac,
    )
    expect(decision).toEqual({ allowed: false, reason: 'RBAC: role.rbac.authorization.k8s.io "gone" not found' })
  })

  it("system:masters may do anything; everyone authenticated may discover; the anonymous only health", () => {
    const rbac = () => none
    const q = new URLSearchParams()
    const admin = { username: "admin", groups: ["system:masters", "system:authenticated"] }
    expect(() =>
      chain(admin, attributesOf("DELETE", "/apis/rbac.authorization.k8s.io/v1/clusterroles/x", q), rbac),
    ).not.toThrow()
    expect(() => chain(alice, attributesOf("GET", "/apis/apps/v1", q), rbac)).not.toThrow()
    const anonymous = { username: "system:anonymous", groups: ["system:unauthenticated"] }
    expect(() => chain(anonymous, attributesOf("GET", "/version", q), rbac)).not.toThrow()
    expect(() => chain(anonymous, attributesOf("GET", "/api", q), rbac)).toThrow(
      'forbidden: User "system:anonymous" cannot get path "/api"',
    )
  })
})

describe("the 403", () => {
  const q = new URLSearchParams()
  it("says who cannot do what, where, as the real server words it", () => {
    const shuttle = sa("starform-system", "shuttle")
    const secret = forbidden(shuttle, attributesOf("GET", "/api/v1/namespaces/kube-system/secrets/db", q))
    expect(secret.status).toMatchObject({
      code: 403,
      reason: "Forbidden",
      message:
        'secrets "db" is forbidden: User "system:serviceaccount:starform-system:shuttle" cannot get resource "secrets" in API group "" in the namespace "kube-system"',
      details: { name: "db", kind: "secrets" },
    })
    expect(
      forbidden(shuttle, attributesOf("DELETE", "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin", q)).message,
    ).toBe(
      'clusterroles.rbac.authorization.k8s.io "admin" is forbidden: User "system:serviceaccount:starform-system:shuttle" cannot delete resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    )
    expect(forbidden(shuttle, attributesOf("GET", "/apis/apps/v1/namespaces/web/deployments", q)).message).toBe(
      'deployments.apps is forbidden: User "system:serviceaccount:starform-system:shuttle" cannot list resource "deployments" in API group "apps" in the namespace "web"',
    )
    expect(
      forbidden(shuttle, attributesOf("PUT", "/apis/apps/v1/namespaces/web/deployments/api/status", q)).message,
    ).toContain('cannot update resource "deployments/status" in API group "apps"')
  })
})
