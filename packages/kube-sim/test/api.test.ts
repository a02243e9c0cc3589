import type * as k8s from "@kubernetes/client-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KubeSim, type Simulator } from "../src/index.ts"
import { clients, type Doc, deployment, failure, raw } from "./support/Clients.ts"

let sim: Simulator
let c: ReturnType<typeof clients>

beforeAll(async () => {
  sim = await KubeSim.start({ clock: "manual" })
  c = clients(sim)
  for (const name of ["crud", "gen", "final", "gc"]) await c.core.createNamespace({ body: { metadata: { name } } })
})
afterAll(() => sim.stop())

describe("discovery", () => {
  it("answers /api, /apis and the resource lists with scope, verbs and kinds", async () => {
    const api = await raw(sim, "GET", "/api")
    expect(api.body).toMatchObject({ kind: "APIVersions", versions: ["v1"] })
    const groups = await raw(sim, "GET", "/apis")
    const names = (groups.body.groups as Array<{ name: string }>).map((g) => g.name)
    expect(names).toEqual(
      expect.arrayContaining([
        "apps",
        "batch",
        "autoscaling",
        "networking.k8s.io",
        "discovery.k8s.io",
        "gateway.networking.k8s.io",
      ]),
    )
    const core = await raw(sim, "GET", "/api/v1")
    const pods = (core.body.resources as Array<Record<string, unknown>>).find((r) => r.name === "pods")
    expect(pods).toMatchObject({
      kind: "Pod",
      namespaced: true,
      verbs: expect.arrayContaining(["create", "get", "list", "watch", "patch", "delete"]),
    })
    const ns = (core.body.resources as Array<Record<string, unknown>>).find((r) => r.name === "namespaces")
    expect(ns).toMatchObject({ namespaced: false })
    const apps = await raw(sim, "GET", "/apis/apps/v1")
    const subresources = (apps.body.resources as Array<{ name: string; kind: string }>).map(
      (r) => `${r.name}:${r.kind}`,
    )
    expect(subresources).toEqual(
      expect.arrayContaining(["deployments:Deployment", "deployments/status:Deployment", "deployments/scale:Scale"]),
    )
    const group = await raw(sim, "GET", "/apis/gateway.networking.k8s.io")
    expect(group.body).toMatchObject({
      kind: "APIGroup",
      preferredVersion: { groupVersion: "gateway.networking.k8s.io/v1" },
    })
    expect((await raw(sim, "GET", "/apis/nothing.example/v1")).status).toBe(404)
  })

  it("lets KubernetesObjectApi find any kind by apiVersion and kind", async () => {
    await c.objects.create({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "r", namespace: "crud" },
      spec: { parentRefs: [{ name: "eg" }] },
    } as k8s.KubernetesObject)
    const read = (await c.objects.read({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "r", namespace: "crud" },
    })) as unknown as Doc
    expect(read.spec.parentRefs[0]).toEqual({ name: "eg", group: "gateway.networking.k8s.io", kind: "Gateway" })
    expect(read.spec.rules).toEqual([{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }])
  })
})

describe("objects", () => {
  it("creates with uid, resourceVersion, creationTimestamp and generation; a list carries the collection's resourceVersion", async () => {
    const created = await c.apps.createNamespacedDeployment({ namespace: "crud", body: deployment("crud", "web") })
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(created.metadata?.generation).toBe(1)
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date)
    expect(created.spec?.revisionHistoryLimit).toBe(10)
    expect(created.spec?.template.spec?.containers[0]?.imagePullPolicy).toBe("IfNotPresent")
    const list = await c.apps.listNamespacedDeployment({ namespace: "crud" })
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(created.metadata?.resourceVersion))
    expect(list.items.map((d) => d.metadata?.name)).toEqual(["web"])
    const rawList = await raw(sim, "GET", "/apis/apps/v1/namespaces/crud/deployments")
    expect(rawList.body.kind).toBe("DeploymentList")
    expect(rawList.body.items[0].kind).toBeUndefined()
  })

  it("stores built-in objects without empty lists and maps, as Go's omitempty writes them; custom resources keep them", async () => {
    const cm = await raw(sim, "POST", "/api/v1/namespaces/crud/configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "empty", labels: {}, annotations: {} },
      data: {},
    })
    expect(cm.body.metadata.labels).toBeUndefined()
    expect(cm.body.metadata.annotations).toBeUndefined()
    expect(cm.body.data).toBeUndefined()
    const d = deployment("crud", "bare", { replicas: 1 })
    d.spec!.template.spec!.containers[0]!.env = []
    d.spec!.template.spec!.containers[0]!.args = []
    d.spec!.template.spec!.nodeSelector = {}
    const created = await c.apps.createNamespacedDeployment({ namespace: "crud", body: d })
    const container = created.spec!.template.spec!.containers[0]!
    expect(container.env).toBeUndefined()
    expect(container.args).toBeUndefined()
    expect(container.resources).toEqual({})
    expect(created.spec!.template.spec!.securityContext).toEqual({})
    expect(created.spec!.template.spec!.nodeSelector).toBeUndefined()
    const route = await raw(sim, "POST", "/apis/gateway.networking.k8s.io/v1/namespaces/crud/httproutes", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "empty" },
      spec: { hostnames: [], parentRefs: [] },
    })
    expect(route.body.spec).toMatchObject({ hostnames: [], parentRefs: [] })
  })

  it("every write takes a higher resourceVersion than any before it, across kinds", async () => {
    const versions: number[] = []
    for (let i = 0; i < 3; i++) {
      const cm = await c.core.createNamespacedConfigMap({
        namespace: "crud",
        body: { metadata: { name: `cm-${i}` }, data: { i: String(i) } },
      })
      versions.push(Number(cm.metadata?.resourceVersion))
      const secret = await c.core.createNamespacedSecret({
        namespace: "crud",
        body: { metadata: { name: `s-${i}` }, stringData: { k: "v" } },
      })
      versions.push(Number(secret.metadata?.resourceVersion))
    }
    expect(versions).toEqual([...versions].sort((a, b) => a - b))
    expect(new Set(versions).size).toBe(versions.length)
  })

  it("a stale update is 409 Conflict; the current one goes through", async () => {
    const cm = await c.core.readNamespacedConfigMap({ namespace: "crud", name: "cm-0" })
    await c.core.replaceNamespacedConfigMap({ namespace: "crud", name: "cm-0", body: { ...cm, data: { i: "first" } } })
    const stale = await failure(
      c.core.replaceNamespacedConfigMap({ namespace: "crud", name: "cm-0", body: { ...cm, data: { i: "second" } } }),
    )
    expect(stale).toMatchObject({
      code: 409,
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on configmaps "cm-0": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: "cm-0", kind: "configmaps" },
    })
    const current = await c.core.readNamespacedConfigMap({ namespace: "crud", name: "cm-0" })
    expect(current.data).toEqual({ i: "first" })
  })

  it("answers 404 NotFound, 409 AlreadyExists and a missing namespace as the API server does", async () => {
    expect(await failure(c.apps.readNamespacedDeployment({ namespace: "crud", name: "ghost" }))).toMatchObject({
      code: 404,
      reason: "NotFound",
      message: 'deployments.apps "ghost" not found',
      details: { name: "ghost", group: "apps", kind: "deployments" },
    })
    expect(
      await failure(c.apps.createNamespacedDeployment({ namespace: "crud", body: deployment("crud", "web") })),
    ).toMatchObject({
      code: 409,
      reason: "AlreadyExists",
      message: 'deployments.apps "web" already exists',
    })
    expect(
      await failure(c.core.createNamespacedConfigMap({ namespace: "nowhere", body: { metadata: { name: "x" } } })),
    ).toMatchObject({
      code: 404,
      message: 'namespaces "nowhere" not found',
    })
  })

  it("refuses invalid objects with 422 and one cause per broken rule", async () => {
    const badNamespace = await failure(c.core.createNamespace({ body: { metadata: { name: "Team_A" } } }))
    expect(badNamespace.code).toBe(422)
    expect(badNamespace.message).toContain(
      'Namespace "Team_A" is invalid: metadata.name: Invalid value: "Team_A": a lowercase RFC 1123 label',
    )
    const badService = await failure(
      c.core.createNamespacedService({
        namespace: "crud",
        body: { metadata: { name: "1api" }, spec: { ports: [{ port: 80 }, { port: 81 }] } },
      }),
    )
    expect(badService.details.causes).toEqual([
      expect.objectContaining({
        field: "metadata.name",
        reason: "FieldValueInvalid",
        message: expect.stringContaining("DNS-1035 label"),
      }),
      expect.objectContaining({ field: "spec.ports[0].name", reason: "FieldValueRequired" }),
      expect.objectContaining({ field: "spec.ports[1].name", reason: "FieldValueRequired" }),
    ])
    const mismatched = deployment("crud", "mismatch")
    mismatched.spec!.template.metadata!.labels = { app: "other" }
    const selector = await failure(c.apps.createNamespacedDeployment({ namespace: "crud", body: mismatched }))
    expect(selector.details.causes).toContainEqual(
      expect.objectContaining({
        field: "spec.template.metadata.labels",
        message: expect.stringContaining("`selector` does not match template `labels`"),
      }),
    )
    const current = await c.apps.readNamespacedDeployment({ namespace: "crud", name: "web" })
    current.spec!.selector = { matchLabels: { app: "web", tier: "x" } }
    current.spec!.template.metadata!.labels = { app: "web", tier: "x" }
    const immutable = await failure(
      c.apps.replaceNamespacedDeployment({ namespace: "crud", name: "web", body: current }),
    )
    expect(immutable).toMatchObject({ code: 422, reason: "Invalid", details: { kind: "Deployment", group: "apps" } })
    expect(immutable.details.causes).toContainEqual(
      expect.objectContaining({ field: "spec.selector", message: expect.stringContaining("field is immutable") }),
    )
    const cronJob = await failure(
      c.batch.createNamespacedCronJob({
        namespace: "crud",
        body: {
          metadata: { name: "nightly" },
          spec: {
            schedule: "61 * * * *",
            jobTemplate: {
              spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "i" }] } } },
            },
          },
        },
      }),
    )
    expect(cronJob.details.causes).toContainEqual(expect.objectContaining({ field: "spec.schedule" }))
  })
})

describe("generation and status", () => {
  it("moves generation only with the spec; /status changes status alone", async () => {
    const created = await c.apps.createNamespacedDeployment({
      namespace: "gen",
      body: deployment("gen", "api", { replicas: 1 }),
    })
    sim.settle()
    const labelled = await raw(
      sim,
      "PATCH",
      "/apis/apps/v1/namespaces/gen/deployments/api",
      { metadata: { labels: { team: "core" } } },
      "application/merge-patch+json",
    )
    expect(labelled.body.metadata.labels.team).toBe("core")
    expect(labelled.body.metadata.generation).toBe(created.metadata?.generation)
    const scaled = await raw(
      sim,
      "PATCH",
      "/apis/apps/v1/namespaces/gen/deployments/api",
      { spec: { replicas: 2 } },
      "application/merge-patch+json",
    )
    expect(scaled.body.metadata.generation).toBe(2)
    // The main resource ignores status; /status ignores everything else.
    const ignored = await raw(
      sim,
      "PATCH",
      "/apis/apps/v1/namespaces/gen/deployments/api",
      { status: { replicas: 99 } },
      "application/merge-patch+json",
    )
    expect(ignored.body.status.replicas).not.toBe(99)
    const status = await raw(
      sim,
      "PATCH",
      "/apis/apps/v1/namespaces/gen/deployments/api/status",
      { spec: { replicas: 7 }, status: { observedGeneration: 2, replicas: 42 } },
      "application/merge-patch+json",
    )
    expect(status.body.status.replicas).toBe(42)
    expect(status.body.spec.replicas).toBe(2)
    expect(status.body.metadata.generation).toBe(2)
  })
})

describe("finalizers and garbage collection", () => {
  it("an object with finalizers gets a deletionTimestamp and stays until they are removed", async () => {
    await c.core.createNamespacedConfigMap({
      namespace: "final",
      body: { metadata: { name: "held", finalizers: ["starform.io/inventory"] } },
    })
    const deleting = await raw(sim, "DELETE", "/api/v1/namespaces/final/configmaps/held")
    expect(deleting.status).toBe(200)
    expect(deleting.body.metadata.deletionTimestamp).toBeTruthy()
    const held = await c.core.readNamespacedConfigMap({ namespace: "final", name: "held" })
    expect(held.metadata?.deletionTimestamp).toBeInstanceOf(Date)
    const added = await failure(
      c.core.replaceNamespacedConfigMap({
        namespace: "final",
        name: "held",
        body: { ...held, metadata: { ...held.metadata, finalizers: ["starform.io/inventory", "another.example/x"] } },
      }),
    )
    expect(added.code).toBe(422)
    expect(added.message).toContain("no new finalizers can be added if the object is being deleted")
    await c.core.replaceNamespacedConfigMap({
      namespace: "final",
      name: "held",
      body: { ...held, metadata: { ...held.metadata, finalizers: [] } },
    })
    expect((await failure(c.core.readNamespacedConfigMap({ namespace: "final", name: "held" }))).code).toBe(404)
  })

  it("deleting a Deployment removes its ReplicaSets and pods; Orphan leaves them running without an owner", async () => {
    await c.apps.createNamespacedDeployment({ namespace: "gc", body: deployment("gc", "doomed", { replicas: 2 }) })
    await c.apps.createNamespacedDeployment({ namespace: "gc", body: deployment("gc", "kept", { replicas: 2 }) })
    sim.settle()
    expect(sim.list("v1", "Pod", "gc")).toHaveLength(4)
    await c.apps.deleteNamespacedDeployment({ namespace: "gc", name: "doomed" })
    sim.settle()
    expect(sim.list("apps/v1", "ReplicaSet", "gc", "app=doomed")).toHaveLength(0)
    expect(sim.list("v1", "Pod", "gc", "app=doomed")).toHaveLength(0)

    await c.apps.deleteNamespacedDeployment({ namespace: "gc", name: "kept", propagationPolicy: "Orphan" })
    sim.settle()
    const orphans = sim.list("apps/v1", "ReplicaSet", "gc", "app=kept")
    expect(orphans).toHaveLength(1)
    expect(orphans[0]!.metadata.ownerReferences).toBeUndefined()
    expect(sim.list("v1", "Pod", "gc", "app=kept")).toHaveLength(2)
  })

  it("Foreground deletion keeps the owner, marked, until its dependents are gone", async () => {
    await c.apps.createNamespacedDeployment({ namespace: "gc", body: deployment("gc", "fg", { replicas: 2 }) })
    sim.settle()
    const order: string[] = []
    const stop = sim.observe((event) => {
      if (event.object.metadata.namespace !== "gc" || event.object.metadata.labels?.app !== "fg") return
      if (event.type === "DELETED") order.push(`deleted ${event.object.kind}`)
      else if (event.object.metadata.finalizers?.includes("foregroundDeletion"))
        order.push(`marked ${event.object.kind}`)
    })
    await c.apps.deleteNamespacedDeployment({ namespace: "gc", name: "fg", propagationPolicy: "Foreground" })
    sim.settle()
    stop()
    expect(order[0]).toBe("marked Deployment")
    expect(order.at(-1)).toBe("deleted Deployment")
    expect(order.filter((e) => e === "deleted Pod")).toHaveLength(2)
    expect(order.indexOf("deleted ReplicaSet")).toBeGreaterThan(order.lastIndexOf("deleted Pod"))
    expect(sim.get("apps/v1", "Deployment", "gc", "fg")).toBeUndefined()
  })

  it("refuses to delete the system namespaces and to change a binding's roleRef", async () => {
    expect(await failure(c.core.deleteNamespace({ name: "kube-system" }))).toMatchObject({
      code: 403,
      message: 'namespaces "kube-system" is forbidden: this namespace may not be deleted',
    })
    const binding = (role: string) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "shuttle" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role },
      subjects: [{ kind: "ServiceAccount", name: "shuttle", namespace: "gc" }],
    })
    expect(
      (await raw(sim, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/gc/rolebindings", binding("reader")))
        .status,
    ).toBe(201)
    const changed = await raw(
      sim,
      "PUT",
      "/apis/rbac.authorization.k8s.io/v1/namespaces/gc/rolebindings/shuttle",
      binding("writer"),
    )
    expect(changed.status).toBe(422)
    expect(changed.body.details.causes).toEqual([
      expect.objectContaining({ field: "roleRef", message: expect.stringContaining("cannot change roleRef") }),
    ])
  })

  it("deleting a namespace deletes everything in it, then the namespace; new namespaces get their default objects", async () => {
    await c.core.createNamespace({ body: { metadata: { name: "temp" } } })
    sim.settle()
    expect(sim.get("v1", "ServiceAccount", "temp", "default")).toBeDefined()
    expect(sim.get("v1", "ConfigMap", "temp", "kube-root-ca.crt")).toBeDefined()
    await c.apps.createNamespacedDeployment({ namespace: "temp", body: deployment("temp", "w", { replicas: 1 }) })
    sim.settle()
    await c.core.createNamespacedConfigMap({
      namespace: "temp",
      body: { metadata: { name: "held", finalizers: ["example.com/hold"] } },
    })
    await c.core.deleteNamespace({ name: "temp" })
    sim.settle()
    const terminating = await c.core.readNamespace({ name: "temp" })
    expect(terminating.status?.phase).toBe("Terminating")
    expect(sim.list("v1", "Pod", "temp")).toHaveLength(0)
    expect(
      await failure(c.core.createNamespacedConfigMap({ namespace: "temp", body: { metadata: { name: "late" } } })),
    ).toMatchObject({
      code: 403,
      message:
        'configmaps "late" is forbidden: unable to create new content in namespace temp because it is being terminated',
    })
    await raw(
      sim,
      "PATCH",
      "/api/v1/namespaces/temp/configmaps/held",
      { metadata: { finalizers: null } },
      "application/merge-patch+json",
    )
    sim.settle()
    expect(await failure(c.core.readNamespace({ name: "temp" }))).toMatchObject({ code: 404 })
  })
})
