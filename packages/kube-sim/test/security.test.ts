import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as k8s from "@kubernetes/client-node"
import { decodeJwt } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import { KubeSim, type Simulator } from "../src/index.ts"
import { clients, deployment, failure } from "./support/Clients.ts"

/** Authentication, RBAC and ValidatingAdmissionPolicy over HTTP, through the real client. */

let sim: Simulator
let admin: ReturnType<typeof clients>

const yamlDocs = (...path: ReadonlyArray<string>): ReadonlyArray<k8s.KubernetesObject> =>
  parseAllDocuments(readFileSync(join(import.meta.dirname, "..", "..", "..", ...path), "utf8")).map(
    (doc) => doc.toJS() as k8s.KubernetesObject,
  )

/** The client the kubeconfig of `token` gives. */
const as = (token: string) => {
  const kc = new k8s.KubeConfig()
  kc.loadFromOptions({
    ...sim.kubeConfig,
    users: [{ name: "kube-sim", token }],
  })
  return { core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api) }
}

const tokenFor = async (namespace: string, name: string, expirationSeconds = 3600) =>
  admin.core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds } },
  })

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${sim.url}${path}`, { headers }).then(async (response) => ({
    status: response.status,
    body: (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined,
  }))

/** The client reports a 401 without its body (the API declares none): only the code. */
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 200,
    (error: unknown) => (error instanceof k8s.ApiException ? error.code : -1),
  )

beforeAll(async () => {
  sim = await KubeSim.start({ clock: "manual" })
  admin = clients(sim)
  for (const name of ["team", "other"]) await admin.core.createNamespace({ body: { metadata: { name } } })
  await admin.core.createNamespacedServiceAccount({ namespace: "team", body: { metadata: { name: "app" } } })
  await admin.objects.create({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "config-reader", namespace: "team" },
    rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
  } as k8s.KubernetesObject)
  await admin.objects.create({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "app-reads-config", namespace: "team" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "config-reader" },
    subjects: [{ kind: "ServiceAccount", name: "app", namespace: "team" }],
  } as k8s.KubernetesObject)
})
afterAll(() => sim.stop())

describe("authentication", () => {
  it("an invalid bearer token is 401 Unauthorized, with a Status body", async () => {
    const response = await get("/api/v1/namespaces", { Authorization: "Bearer not-a-token" })
    expect(response.status).toBe(401)
    expect(response.body).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "Unauthorized",
      message: "Unauthorized",
      code: 401,
    })
    expect(await codeOf(as("eyJhbGciOiJFUzI1NiJ9.e30.c2ln").core.listNamespace())).toBe(401)
  })

  it("no credentials is system:anonymous: health and version only, everything else 403", async () => {
    expect((await get("/version")).status).toBe(200)
    expect((await fetch(`${sim.url}/healthz`)).status).toBe(200)
    const list = await get("/api/v1/namespaces/team/configmaps")
    expect(list.status).toBe(403)
    expect(list.body?.message).toBe(
      'configmaps is forbidden: User "system:anonymous" cannot list resource "configmaps" in API group "" in the namespace "team"',
    )
    expect((await get("/api")).body?.message).toBe('forbidden: User "system:anonymous" cannot get path "/api"')
  })

  it("TokenRequest issues a signed ServiceAccount JWT with the real claims and an expiry", async () => {
    const answer = await tokenFor("team", "app", 7200)
    expect(answer.status?.expirationTimestamp?.getTime()).toBe(Math.floor(sim.now() / 1000) * 1000 + 7_200_000)
    const claims = decodeJwt(answer.status?.token ?? "")
    const account = await admin.core.readNamespacedServiceAccount({ name: "app", namespace: "team" })
    expect(claims).toMatchObject({
      iss: "https://kubernetes.default.svc.cluster.local",
      aud: ["https://kubernetes.default.svc.cluster.local"],
      sub: "system:serviceaccount:team:app",
      "kubernetes.io": { namespace: "team", serviceaccount: { name: "app", uid: account.metadata!.uid } },
    })
    expect(claims.exp! - claims.iat!).toBe(7200)
  })

  it("TokenRequest needs an existing ServiceAccount and at least ten minutes", async () => {
    expect(await failure(tokenFor("team", "ghost"))).toMatchObject({
      code: 404,
      message: 'serviceaccounts "ghost" not found',
    })
    expect(await failure(tokenFor("team", "app", 60))).toMatchObject({
      code: 422,
      message: expect.stringContaining(
        "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
      ),
    })
  })

  it("a ServiceAccount token is that ServiceAccount to RBAC: what its Role grants, and 403 naming it elsewhere", async () => {
    await admin.core.createNamespacedConfigMap({
      namespace: "team",
      body: { metadata: { name: "settings" }, data: { a: "1" } },
    })
    const app = as((await tokenFor("team", "app")).status?.token ?? "")
    expect((await app.core.readNamespacedConfigMap({ name: "settings", namespace: "team" })).data).toEqual({ a: "1" })
    expect(await failure(app.core.listNamespacedConfigMap({ namespace: "other" }))).toMatchObject({
      code: 403,
      reason: "Forbidden",
      message:
        'configmaps is forbidden: User "system:serviceaccount:team:app" cannot list resource "configmaps" in API group "" in the namespace "other"',
    })
    expect(await failure(app.core.deleteNamespacedConfigMap({ name: "settings", namespace: "team" }))).toMatchObject({
      code: 403,
      message: expect.stringContaining('cannot delete resource "configmaps" in API group "" in the namespace "team"'),
    })
    expect(await failure(app.core.readNamespacedSecret({ name: "db", namespace: "kube-system" }))).toMatchObject({
      code: 403,
      details: { name: "db", kind: "secrets" },
    })
  })

  it("a token stops working when it expires or its ServiceAccount is replaced", async () => {
    const token = (await tokenFor("team", "app", 600)).status?.token ?? ""
    const app = as(token)
    await app.core.listNamespacedConfigMap({ namespace: "team" })
    sim.advance(601_000)
    expect(await codeOf(app.core.listNamespacedConfigMap({ namespace: "team" }))).toBe(401)

    const fresh = as((await tokenFor("team", "app")).status?.token ?? "")
    await fresh.core.listNamespacedConfigMap({ namespace: "team" })
    await admin.core.deleteNamespacedServiceAccount({ name: "app", namespace: "team" })
    await admin.core.createNamespacedServiceAccount({ namespace: "team", body: { metadata: { name: "app" } } })
    expect(await codeOf(fresh.core.listNamespacedConfigMap({ namespace: "team" }))).toBe(401)
  })
})

describe("k8s/policy's ValidatingAdmissionPolicy, applied to kube-sim", () => {
  const labels = {
    "starform.io/workspace-id": "w1",
    "starform.io/project-id": "p1",
    "starform.io/environment": "production",
    "starform.io/service-id": "s1",
    "starform.io/deployment-id": "d1",
  }
  const pod = (name: string, podLabels?: Record<string, string>) => ({
    metadata: { name, ...(podLabels ? { labels: podLabels } : {}) },
    spec: { containers: [{ name: "app", image: "app:v1" }] },
  })

  beforeAll(async () => {
    for (const doc of yamlDocs("k8s", "policy", "validating-admission-policy.yaml")) await admin.objects.create(doc)
    await admin.core.createNamespace({
      body: {
        metadata: {
          name: "p1-production",
          labels: { "starform.io/project-id": "p1", "starform.io/environment": "production" },
        },
      },
    })
  })

  it("refuses a pod without the starform.io labels in a customer namespace, as the real server words it", async () => {
    const refused = await failure(admin.core.createNamespacedPod({ namespace: "p1-production", body: pod("bare") }))
    const why =
      "ValidatingAdmissionPolicy 'starform-require-labels' with binding 'starform-require-labels' denied request: pods in a Starform namespace need every starform.io/* label; missing: starform.io/workspace-id, starform.io/project-id, starform.io/environment, starform.io/service-id, starform.io/deployment-id"
    expect(refused).toEqual({
      code: 403,
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      reason: "Forbidden",
      message: `pods "bare" is forbidden: ${why}`,
      details: { name: "bare", kind: "pods", causes: [{ message: why }] },
    })
    expect(sim.get("v1", "Pod", "p1-production", "bare")).toBeUndefined()
  })

  it("judges only valid objects: an invalid pod gets its 422 first, as validation runs before the policies", async () => {
    const invalid = await failure(
      admin.core.createNamespacedPod({
        namespace: "p1-production",
        body: { metadata: { name: "empty" }, spec: { containers: [] } },
      }),
    )
    expect(invalid).toMatchObject({
      code: 422,
      reason: "Invalid",
      message: expect.stringContaining('Pod "empty" is invalid'),
    })
  })

  it("admits the labelled pod, and unlabelled pods outside customer namespaces", async () => {
    const created = await admin.core.createNamespacedPod({ namespace: "p1-production", body: pod("labelled", labels) })
    expect(created.metadata?.uid).toBeDefined()
    await admin.core.createNamespacedPod({ namespace: "other", body: pod("bare") })
    // Relabelling an admitted pod is an UPDATE the policy judges too.
    expect(
      await failure(
        admin.core.patchNamespacedPod(
          {
            name: "labelled",
            namespace: "p1-production",
            body: { metadata: { labels: { "starform.io/environment": "staging" } } },
          },
          k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        ),
      ),
    ).toMatchObject({ code: 403, message: expect.stringContaining("must match its namespace's") })
  })

  it("refuses the pods a Deployment's ReplicaSet creates without the labels: ReplicaFailure, as on a cluster", async () => {
    await admin.apps.createNamespacedDeployment({
      namespace: "p1-production",
      body: deployment("p1-production", "web") as never,
    })
    const replicaFailure = () => {
      const rs = sim.list("apps/v1", "ReplicaSet", "p1-production")[0] as
        | { status?: { conditions?: ReadonlyArray<{ type: string; message?: string }> } }
        | undefined
      return rs?.status?.conditions?.find((c) => c.type === "ReplicaFailure")
    }
    expect(sim.until(() => replicaFailure() !== undefined, { withinMs: 60_000 })).toBeGreaterThan(0)
    expect(replicaFailure()?.message).toContain(
      "ValidatingAdmissionPolicy 'starform-require-labels' with binding 'starform-require-labels' denied request",
    )
    expect(sim.list("v1", "Pod", "p1-production").map((p) => p.metadata.name)).toEqual(["labelled"])
  })

  it("a Warn binding admits, with the failure as a Warning header", async () => {
    await admin.objects.create({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: "small-configmaps" },
      spec: {
        matchConstraints: {
          resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"] }],
        },
        validations: [{ expression: "size(object.data) <= 1", message: "keep configmaps small" }],
      },
    } as k8s.KubernetesObject)
    await admin.objects.create({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: "small-configmaps-warn" },
      spec: { policyName: "small-configmaps", validationActions: ["Warn"] },
    } as k8s.KubernetesObject)
    const response = await fetch(`${sim.url}/api/v1/namespaces/other/configmaps`, {
      method: "POST",
      headers: { Authorization: `Bearer ${sim.kubeConfig.users[0]!.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ metadata: { name: "big" }, data: { a: "1", b: "2" } }),
    })
    expect(response.status).toBe(201)
    expect(response.headers.get("warning")).toBe(
      `299 - "Validation failed for ValidatingAdmissionPolicy 'small-configmaps' with binding 'small-configmaps-warn': keep configmaps small"`,
    )
  })

  it("a controller's writes are the controller's, not those of the request that set it going", async () => {
    await admin.core.createNamespace({ body: { metadata: { name: "hands-off", labels: { "hands-off": "true" } } } })
    await admin.objects.create({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: "no-hand-made-pods" },
      spec: {
        matchConstraints: {
          resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] }],
        },
        validations: [
          { expression: "request.userInfo.username != 'kubernetes-admin'", message: "pods come from controllers here" },
        ],
      },
    } as k8s.KubernetesObject)
    await admin.objects.create({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: "no-hand-made-pods" },
      spec: {
        policyName: "no-hand-made-pods",
        validationActions: ["Deny"],
        matchResources: { namespaceSelector: { matchLabels: { "hands-off": "true" } } },
      },
    } as k8s.KubernetesObject)
    expect(
      await failure(admin.core.createNamespacedPod({ namespace: "hands-off", body: pod("by-hand") })),
    ).toMatchObject({
      code: 422,
      message: expect.stringContaining("pods come from controllers here"),
    })
    await admin.apps.createNamespacedDeployment({
      namespace: "hands-off",
      body: deployment("hands-off", "web", { replicas: 2 }) as never,
    })
    // The controllers run on their own after the request (no tick from here), as they do in a running cluster.
    await sim.waitFor(() => sim.list("v1", "Pod", "hands-off").length === 2, { timeoutMs: 5_000 })
  })
})
