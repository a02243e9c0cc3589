import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KubeSim, type Simulator } from "../src/index.ts"
import { clients, raw } from "./support/Clients.ts"

let sim: Simulator

const apply = (path: string, body: unknown, query: string) =>
  raw(
    sim,
    "PATCH",
    `${path}?${query}`,
    typeof body === "string" ? body : JSON.stringify(body),
    "application/apply-patch+yaml",
  )

const cmPath = "/api/v1/namespaces/ssa/configmaps/settings"
const configMap = (data: Record<string, string>, labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "settings", namespace: "ssa", ...(Object.keys(labels).length > 0 ? { labels } : {}) },
  data,
})

beforeAll(async () => {
  sim = await KubeSim.start({ clock: "manual" })
  await clients(sim).core.createNamespace({ body: { metadata: { name: "ssa" } } })
})
afterAll(() => sim.stop())

describe("server-side apply", () => {
  it("creates with 201, records the manager's fields, and answers an unchanged apply without a write", async () => {
    const yaml =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels:\n    team: core\ndata:\n  mode: fast\n  flag: 'on'\n"
    const created = await apply(cmPath, yaml, "fieldManager=shuttle")
    expect(created.status).toBe(201)
    expect(created.body.data).toEqual({ mode: "fast", flag: "on" })
    expect(created.body.metadata.managedFields).toEqual([
      expect.objectContaining({
        manager: "shuttle",
        operation: "Apply",
        apiVersion: "v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:data": { "f:flag": {}, "f:mode": {} }, "f:metadata": { "f:labels": { "f:team": {} } } },
      }),
    ])
    const again = await apply(cmPath, yaml, "fieldManager=shuttle")
    expect(again.status).toBe(200)
    expect(again.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion)
  })

  it("reads YAML 1.1 as the API server does: an unquoted `on` is a boolean, refused in a ConfigMap's data", async () => {
    const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml11\ndata:\n  flag: on\n"
    const refused = await apply("/api/v1/namespaces/ssa/configmaps/yaml11", yaml, "fieldManager=shuttle")
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain(".data.flag: expected string, got true")
  })

  it("removes fields the manager stops sending, unless another manager owns them too", async () => {
    await apply(
      cmPath,
      configMap({ mode: "fast", flag: "on", extra: "1" }, { team: "core", tier: "web" }),
      "fieldManager=shuttle",
    )
    await apply(cmPath, configMap({ extra: "1" }), "fieldManager=ops")
    const next = await apply(cmPath, configMap({ mode: "fast" }, { team: "core" }), "fieldManager=shuttle")
    expect(next.body.data).toEqual({ mode: "fast", extra: "1" })
    expect(next.body.metadata.labels).toEqual({ team: "core" })
    const shuttle = next.body.metadata.managedFields.find((m: { manager: string }) => m.manager === "shuttle")
    expect(shuttle.fieldsV1).toEqual({ "f:data": { "f:mode": {} }, "f:metadata": { "f:labels": { "f:team": {} } } })
  })

  it("refuses with 409 FieldManagerConflict to change another manager's value; force takes the field over", async () => {
    const conflict = await apply(cmPath, configMap({ mode: "fast", extra: "2" }), "fieldManager=shuttle")
    expect(conflict.status).toBe(409)
    expect(conflict.body).toMatchObject({
      kind: "Status",
      reason: "Conflict",
      code: 409,
      message: 'Apply failed with 1 conflict: conflict with "ops" using v1: .data.extra',
      details: {
        causes: [{ reason: "FieldManagerConflict", message: 'conflict with "ops" using v1', field: ".data.extra" }],
      },
    })
    // The same value is no conflict: both managers then own it.
    const shared = await apply(cmPath, configMap({ mode: "fast", extra: "1" }), "fieldManager=shuttle")
    expect(shared.status).toBe(200)
    const forced = await apply(cmPath, configMap({ mode: "fast", extra: "2" }), "fieldManager=shuttle&force=true")
    expect(forced.status).toBe(200)
    expect(forced.body.data.extra).toBe("2")
    const ops = forced.body.metadata.managedFields.find((m: { manager: string }) => m.manager === "ops")
    expect(ops).toBeUndefined()
  })

  it("dryRun=All answers with the result and persists nothing", async () => {
    const before = sim.get("v1", "ConfigMap", "ssa", "settings")!
    const dry = await apply(cmPath, configMap({ mode: "slow", extra: "2" }), "fieldManager=shuttle&dryRun=All")
    expect(dry.status).toBe(200)
    expect(dry.body.data.mode).toBe("slow")
    expect(sim.get("v1", "ConfigMap", "ssa", "settings")).toBe(before)
    const dryCreate = await apply(
      "/api/v1/namespaces/ssa/configmaps/never",
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "never" } },
      "fieldManager=x&dryRun=All",
    )
    expect(dryCreate.status).toBe(201)
    expect(sim.get("v1", "ConfigMap", "ssa", "never")).toBeUndefined()
  })

  it("requires a field manager and a body that names the object in the URL", async () => {
    const noManager = await apply(cmPath, configMap({ mode: "fast" }), "")
    expect(noManager.status).toBe(400)
    expect(noManager.body.message).toContain("fieldManager is required")
    const wrongName = await apply(
      "/api/v1/namespaces/ssa/configmaps/other",
      configMap({ mode: "fast" }),
      "fieldManager=shuttle",
    )
    expect(wrongName.status).toBe(400)
    expect(wrongName.body.message).toBe("the name of the object (settings) does not match the name on the URL (other)")
  })

  it("merges keyed lists per item: two managers can own different containers' fields of one Deployment", async () => {
    const path = "/apis/apps/v1/namespaces/ssa/deployments/web"
    const base = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "app", image: "app:v1", env: [{ name: "A", value: "1" }] }] },
        },
      },
    }
    await apply(path, base, "fieldManager=shuttle")
    const sidecar = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { template: { spec: { containers: [{ name: "proxy", image: "envoy:1" }] } } },
    }
    const both = await apply(path, sidecar, "fieldManager=mesh")
    expect(both.body.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(["app", "proxy"])
    const v2 = structuredClone(base)
    v2.spec.template.spec.containers[0]!.image = "app:v2"
    v2.spec.template.spec.containers[0]!.env = []
    const updated = await apply(path, v2, "fieldManager=shuttle")
    expect(updated.body.metadata.generation).toBe(3)
    const containers = updated.body.spec.template.spec.containers
    expect(containers[0]).toMatchObject({ name: "app", image: "app:v2" })
    // An empty list is stored as no list at all, as Go's omitempty writes it.
    expect(containers[0].env).toBeUndefined()
    expect(containers[1]).toMatchObject({ name: "proxy", image: "envoy:1" })
    // Defaults filled in by the server are nobody's: a manager that never sent them cannot remove them.
    expect(updated.body.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" },
    })
  })

  it("stores quantities in canonical form, so what a client sent and what it reads back can differ", async () => {
    const path = "/apis/apps/v1/namespaces/ssa/deployments/sized"
    const body = (cpu: string, memory: string) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "sized" },
      spec: {
        selector: { matchLabels: { app: "sized" } },
        template: {
          metadata: { labels: { app: "sized" } },
          spec: {
            containers: [
              {
                name: "app",
                image: "app:v1",
                resources: { requests: { cpu, memory }, limits: { cpu: "1.5", memory: "1.5Gi" } },
              },
            ],
          },
        },
      },
    })
    const created = await apply(path, body("1000m", "1024Mi"), "fieldManager=shuttle")
    expect(created.body.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: "1", memory: "1Gi" },
      limits: { cpu: "1500m", memory: "1536Mi" },
    })
    // Sending the same values in another spelling changes nothing.
    sim.settle()
    const settled = sim.get("apps/v1", "Deployment", "ssa", "sized")!
    const again = await apply(path, body("1", "1Gi"), "fieldManager=shuttle")
    expect(again.body.metadata.resourceVersion).toBe(settled.metadata.resourceVersion)
    expect(again.body.metadata.generation).toBe(1)
  })

  it("conflicts on .spec.replicas once the autoscaler has scaled through /scale", async () => {
    const path = "/apis/apps/v1/namespaces/ssa/deployments/scaled"
    const body = (replicas: number) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "scaled" },
      spec: {
        replicas,
        selector: { matchLabels: { app: "scaled" } },
        template: { metadata: { labels: { app: "scaled" } }, spec: { containers: [{ name: "app", image: "app:v1" }] } },
      },
    })
    await apply(path, body(2), "fieldManager=shuttle")
    const scale = await raw(sim, "PUT", `${path}/scale?fieldManager=kube-controller-manager`, {
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: { name: "scaled", namespace: "ssa" },
      spec: { replicas: 5 },
    })
    expect(scale.status).toBe(200)
    expect(scale.body).toMatchObject({ kind: "Scale", spec: { replicas: 5 }, status: { selector: "app=scaled" } })
    const conflict = await apply(path, body(2), "fieldManager=shuttle")
    expect(conflict.status).toBe(409)
    expect(conflict.body.details.causes).toEqual([
      expect.objectContaining({
        field: ".spec.replicas",
        message: 'conflict with "kube-controller-manager" using apps/v1',
      }),
    ])
  })

  it("applies to /status separately from the object", async () => {
    const path = "/apis/gateway.networking.k8s.io/v1/namespaces/ssa/httproutes/r"
    await apply(
      path,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "r" },
        spec: { hostnames: ["a.example.com"] },
      },
      "fieldManager=shuttle",
    )
    const status = await apply(
      `${path}/status`,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "r" },
        status: { parents: [] },
        spec: { hostnames: ["ignored.example.com"] },
      },
      "fieldManager=gateway",
    )
    expect(status.status).toBe(200)
    expect(status.body.status).toEqual({ parents: [] })
    expect(status.body.spec.hostnames).toEqual(["a.example.com"])
    expect(status.body.metadata.generation).toBe(1)
    const entry = status.body.metadata.managedFields.find((m: { manager: string }) => m.manager === "gateway")
    expect(entry).toMatchObject({ operation: "Apply", subresource: "status" })
  })
})
