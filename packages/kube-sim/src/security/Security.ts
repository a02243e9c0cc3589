import { AsyncLocalStorage } from "node:async_hooks"
import type { Admission, Cluster } from "../apiserver/Cluster.ts"
import type { ResourceType } from "../apiserver/Registry.ts"
import { matchesLabelSelector } from "../apiserver/Selectors.ts"
import { notFound } from "../apiserver/Status.ts"
import type { JsonObject } from "../Json.ts"
import { evaluate, type PolicySource, refusal } from "./AdmissionPolicies.ts"
import { attributesOf, type UserInfo } from "./Attributes.ts"
import { authenticate } from "./Authentication.ts"
import { authorize } from "./Authorization.ts"
import type { RbacObjects } from "./Rbac.ts"
import { Tokens } from "./Tokens.ts"

/** What admission needs to know of the HTTP request a write came in on. */
interface RequestContext {
  open: boolean
  readonly user: UserInfo
  readonly subresource: string
  readonly dryRun: boolean
  readonly warn: (warning: string) => void
}

/** Who writes when no request is being served: the simulated controllers, as kube-controller-manager. */
const controllers: UserInfo = { username: "system:kube-controller-manager", groups: ["system:authenticated"] }

/**
 * kube-sim's security, as one piece the HTTP server and the cluster call: authenticate and authorize each request,
 * issue ServiceAccount tokens (TokenRequest), and evaluate ValidatingAdmissionPolicies on every write (also the
 * controllers' own, as on a real cluster: a ReplicaSet's pods are admitted like anyone's).
 */
export class Security {
  private readonly cluster: Cluster
  private readonly tokens: Tokens
  private readonly requests = new AsyncLocalStorage<RequestContext>()

  private constructor(cluster: Cluster, tokens: Tokens) {
    this.cluster = cluster
    this.tokens = tokens
  }

  static async make(cluster: Cluster): Promise<Security> {
    return new Security(cluster, await Tokens.make())
  }

  private type(apiVersion: string, kind: string): ResourceType {
    return this.cluster.resource(apiVersion, kind)
  }

  private rbac = (): RbacObjects => {
    const list = (kind: string) => this.cluster.store.list(this.type("rbac.authorization.k8s.io/v1", kind))
    return {
      roles: list("Role"),
      clusterRoles: list("ClusterRole"),
      roleBindings: list("RoleBinding"),
      clusterRoleBindings: list("ClusterRoleBinding"),
    }
  }

  /**
   * Who is asking, and whether they may: throws the 401 for a bad token, the 403 for a request RBAC does not
   * grant. Judged from the path alone, before anyone looks whether the resource exists.
   */
  async check(authorization: string | undefined, method: string, path: string, query: URLSearchParams) {
    const find = (kind: string) => (namespace: string, name: string) =>
      this.cluster.find(this.type("v1", kind), namespace, name)
    const user = await authenticate(authorization, {
      tokens: this.tokens,
      serviceAccount: find("ServiceAccount"),
      pod: find("Pod"),
      now: () => this.cluster.clock.now(),
    })
    const attributes = attributesOf(method, path, query)
    authorize(user, attributes, this.rbac)
    return { user, attributes }
  }

  /**
   * Serves the request with its user at hand for admission (`request.userInfo`) and its Warn-action warnings.
   * Work the request sets going (the controllers' drain, on a timer created meanwhile) inherits this context but
   * runs once it has been answered: from then on the context is closed, and those writes are the controllers'.
   */
  within<A>(context: Omit<RequestContext, "open">, serve: () => Promise<A>): Promise<A> {
    const live = { ...context, open: true }
    return this.requests.run(live, serve).finally(() => {
      live.open = false
    })
  }

  /** `POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token`: the ServiceAccount must exist. */
  tokenRequest(namespace: string, name: string, body: JsonObject): Promise<JsonObject> {
    const type = this.type("v1", "ServiceAccount")
    const account = this.cluster.find(type, namespace, name)
    if (account === undefined) throw notFound(type, name)
    return this.tokens.request(account, body, this.cluster.clock.now())
  }

  private policies(): PolicySource {
    const admission = "admissionregistration.k8s.io/v1"
    return {
      policies: this.cluster.store.list(this.type(admission, "ValidatingAdmissionPolicy")),
      bindings: this.cluster.store.list(this.type(admission, "ValidatingAdmissionPolicyBinding")),
      params: (kind, namespace, name, selector) => {
        const type = this.cluster.registry.lookup(kind.apiVersion, kind.kind)
        if (type === undefined) return []
        return this.cluster.store
          .list(type, type.namespaced ? namespace : undefined)
          .filter((obj) =>
            name !== undefined
              ? obj.metadata.name === name
              : matchesLabelSelector(selector ?? {}, obj.metadata.labels ?? {}),
          )
      },
    }
  }

  /** The admission step that runs the ValidatingAdmissionPolicies on creates and updates (status writes skip it). */
  readonly admission: Admission = (type, next, old) => {
    const source = this.policies()
    if (source.bindings.length === 0) return
    const store = this.requests.getStore()
    const context = store?.open ? store : undefined
    const namespace = next.metadata.namespace ?? ""
    const request = {
      operation: old === undefined ? ("CREATE" as const) : ("UPDATE" as const),
      group: type.group,
      version: type.version,
      kind: type.kind,
      resource: type.plural,
      subresource: context?.subresource ?? "",
      namespaced: type.namespaced,
      name: next.metadata.name ?? "",
      namespace,
      object: next,
      oldObject: old ?? null,
      namespaceObject: type.namespaced
        ? (this.cluster.find(this.type("v1", "Namespace"), undefined, namespace) ?? null)
        : null,
      userInfo: context?.user ?? controllers,
      dryRun: context?.dryRun ?? false,
    }
    const verdict = evaluate(request, source)
    for (const warning of verdict.warnings) context?.warn(warning)
    if (verdict.denied) throw refusal(verdict.denied, request)
  }
}
