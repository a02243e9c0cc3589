import { randomUUID } from "node:crypto"
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose"
import { ApiError } from "../apiserver/Status.ts"
import { rfc3339 } from "../Clock.ts"
import { isObject, type JsonObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import type { UserInfo } from "./Attributes.ts"
import { authenticatedGroup } from "./Authorization.ts"
import { serviceAccountUsername } from "./Rbac.ts"

/** The issuer, and the audience tokens get unless they ask for others: what a cluster's API server accepts. */
export const issuer = "https://kubernetes.default.svc.cluster.local"

/** What the `kubernetes.io` claim of a ServiceAccount token holds. */
interface KubernetesClaim {
  readonly namespace: string
  readonly serviceaccount: { readonly name: string; readonly uid: string }
  readonly pod?: { readonly name: string; readonly uid: string }
}

/** A verified token's ServiceAccount, to be checked against the stored one before it is believed. */
export interface TokenSubject {
  readonly namespace: string
  readonly name: string
  readonly uid: string
  readonly jti: string
  readonly pod: { readonly name: string; readonly uid: string } | undefined
}

const minSeconds = 600
const maxSeconds = 2 ** 32
const defaultSeconds = 3600

const invalidRequest = (name: string, field: string, value: number, why: string) =>
  new ApiError(
    422,
    "Invalid",
    `TokenRequest.authentication.k8s.io "${name}" is invalid: ${field}: Invalid value: ${value}: ${why}`,
    {
      name,
      group: "authentication.k8s.io",
      kind: "TokenRequest",
      causes: [{ reason: "FieldValueInvalid", message: `Invalid value: ${value}: ${why}`, field }],
    },
  )

/**
 * ServiceAccount tokens as the TokenRequest API issues them: JWTs signed by this cluster's key (ES256, generated at
 * start) with the claims a real one carries (`iss`, `aud`, `sub: system:serviceaccount:<ns>:<name>`, `exp`, `jti`
 * and the `kubernetes.io` claim naming the ServiceAccount and its uid). Time is the cluster's simulated clock.
 */
export class Tokens {
  private readonly privateKey: CryptoKey
  private readonly publicKey: CryptoKey
  private readonly keyId: string
  private constructor(privateKey: CryptoKey, publicKey: CryptoKey, keyId: string) {
    this.privateKey = privateKey
    this.publicKey = publicKey
    this.keyId = keyId
  }

  static async make(): Promise<Tokens> {
    const { privateKey, publicKey } = await generateKeyPair("ES256")
    return new Tokens(privateKey, publicKey, await calculateJwkThumbprint(await exportJWK(publicKey)))
  }

  /**
   * Answers `POST .../serviceaccounts/<name>/token` for `serviceAccount` (which must exist): the TokenRequest with
   * its spec defaulted and `status.token` and `status.expirationTimestamp` filled in.
   */
  async request(serviceAccount: KObject, body: JsonObject, now: number): Promise<JsonObject> {
    const name = serviceAccount.metadata.name ?? ""
    const namespace = serviceAccount.metadata.namespace ?? ""
    const spec = isObject(body.spec) ? body.spec : {}
    const seconds = typeof spec.expirationSeconds === "number" ? spec.expirationSeconds : defaultSeconds
    if (seconds < minSeconds)
      throw invalidRequest(name, "spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes")
    if (seconds > maxSeconds)
      throw invalidRequest(
        name,
        "spec.expirationSeconds",
        seconds,
        "may not specify a duration larger than 2^32 seconds",
      )
    const audiences =
      Array.isArray(spec.audiences) && spec.audiences.length > 0
        ? spec.audiences.filter((a): a is string => typeof a === "string")
        : [issuer]
    const bound = isObject(spec.boundObjectRef) ? spec.boundObjectRef : undefined
    const claim: KubernetesClaim = {
      namespace,
      serviceaccount: { name, uid: serviceAccount.metadata.uid ?? "" },
      ...(bound?.kind === "Pod" ? { pod: { name: String(bound.name ?? ""), uid: String(bound.uid ?? "") } } : {}),
    }
    const issuedAt = Math.floor(now / 1000)
    const expires = issuedAt + seconds
    const token = await new SignJWT({ "kubernetes.io": { ...claim } })
      .setProtectedHeader({ alg: "ES256", kid: this.keyId })
      .setIssuer(issuer)
      .setSubject(serviceAccountUsername(namespace, name))
      .setAudience(audiences)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(expires)
      .setJti(randomUUID())
      .sign(this.privateKey)
    return {
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { name, namespace, creationTimestamp: null },
      spec: { audiences, expirationSeconds: seconds, boundObjectRef: bound ?? null },
      status: { token, expirationTimestamp: rfc3339(expires * 1000) },
    }
  }

  /** The ServiceAccount a token was issued for, if this cluster signed it, for its audience, and it is in date. */
  async verify(token: string, now: number): Promise<TokenSubject | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer,
        audience: issuer,
        algorithms: ["ES256"],
        currentDate: new Date(now),
      })
      const claim = payload["kubernetes.io"] as KubernetesClaim | undefined
      if (claim?.serviceaccount === undefined) return undefined
      if (payload.sub !== serviceAccountUsername(claim.namespace, claim.serviceaccount.name)) return undefined
      return {
        namespace: claim.namespace,
        name: claim.serviceaccount.name,
        uid: claim.serviceaccount.uid,
        jti: payload.jti ?? "",
        pod: claim.pod,
      }
    } catch {
      return undefined
    }
  }
}

/** The user a ServiceAccount token authenticates as, with the groups RBAC bindings name. */
export const serviceAccountUser = (subject: TokenSubject): UserInfo => ({
  username: serviceAccountUsername(subject.namespace, subject.name),
  uid: subject.uid,
  groups: ["system:serviceaccounts", `system:serviceaccounts:${subject.namespace}`, authenticatedGroup],
  extra: {
    "authentication.kubernetes.io/credential-id": [`JTI=${subject.jti}`],
    ...(subject.pod
      ? {
          "authentication.kubernetes.io/pod-name": [subject.pod.name],
          "authentication.kubernetes.io/pod-uid": [subject.pod.uid],
        }
      : {}),
  },
})
