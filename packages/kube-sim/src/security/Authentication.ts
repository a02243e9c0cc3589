import { ApiError } from "../apiserver/Status.ts"
import type { KObject } from "../Objects.ts"
import type { UserInfo } from "./Attributes.ts"
import { authenticatedGroup, mastersGroup, unauthenticatedGroup } from "./Authorization.ts"
import { serviceAccountUser, type Tokens } from "./Tokens.ts"

/** The token of the kubeconfig kube-sim hands out: a cluster admin, as the kubeconfig a provider downloads is. */
export const adminToken = "kube-sim"

export const admin: UserInfo = { username: "kubernetes-admin", groups: [mastersGroup, authenticatedGroup] }

/** Who a request without credentials is: RBAC grants this user nothing but health and version. */
export const anonymous: UserInfo = { username: "system:anonymous", groups: [unauthenticatedGroup] }

/** The 401 the real server answers for credentials it cannot verify. */
export const unauthorized = () => new ApiError(401, "Unauthorized", "Unauthorized")

export interface AuthenticationContext {
  readonly tokens: Tokens
  /** The stored ServiceAccount a token names: a token outlives neither it nor its replacement by a namesake. */
  readonly serviceAccount: (namespace: string, name: string) => KObject | undefined
  /** A bound token outlives neither its pod. */
  readonly pod: (namespace: string, name: string) => KObject | undefined
  /** The cluster's (simulated) time, against which tokens expire. */
  readonly now: () => number
}

/**
 * Bearer-token authentication: the admin token, or a ServiceAccount token this cluster signed that is in date
 * and whose ServiceAccount (and pod, when bound to one) still exists with the same uid. No Authorization header,
 * or one that carries no bearer token, is the anonymous user; a bearer token that does not verify is a 401.
 */
export const authenticate = async (header: string | undefined, context: AuthenticationContext): Promise<UserInfo> => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")
  if (!match) return anonymous
  const token = match[1]!
  if (token === adminToken) return admin
  const subject = await context.tokens.verify(token, context.now())
  if (subject === undefined) throw unauthorized()
  const account = context.serviceAccount(subject.namespace, subject.name)
  if (account === undefined || account.metadata.uid !== subject.uid || account.metadata.deletionTimestamp)
    throw unauthorized()
  if (subject.pod !== undefined) {
    const pod = context.pod(subject.namespace, subject.pod.name)
    if (pod === undefined || pod.metadata.uid !== subject.pod.uid || pod.metadata.deletionTimestamp)
      throw unauthorized()
  }
  return serviceAccountUser(subject)
}
