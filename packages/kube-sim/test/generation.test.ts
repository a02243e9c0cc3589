import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KubeSim, type Simulator } from "../src/index.ts"
import { clients, deployment, raw } from "./support/Clients.ts"

/** What moves `metadata.generation` and what a `/status` write may change, kind by kind, as the API server's strategies. */

let sim: Simulator
let c: ReturnType<typeof clients>

beforeAll(async () => {
  sim = await KubeSim.start({ clock: "manual" })
  c = clients(sim)
  await c.core.createNamespace({ body: { metadata: { name: "gen" } } })
})
afterAll(() => sim.stop())

const mergePatch = (path: string, body: unknown) => raw(sim, "PATCH", path, body, "application/merge-patch+json")

describe("generation", () => {
  it("an annotation change moves a Deployment's generation; a label change does not", async () => {
    await c.apps.createNamespacedDeployment({ namespace: "gen", body: deployment("gen", "notes", { replicas: 1 }) })
    sim.settle()
    const path = "/apis/apps/v1/namespaces/gen/deployments/notes"
    const labelled = await mergePatch(path, { metadata: { labels: { team: "core" } } })
    expect(labelled.body.metadata.generation).toBe(1)
    const annotated = await mergePatch(path, { metadata: { annotations: { "example.com/note": "hello" } } })
    expect(annotated.body.metadata.generation).toBe(2)
    // The controller has not looked yet: the status still describes generation 1.
    expect(annotated.body.status.observedGeneration).toBe(1)
    sim.settle()
    const observed = await c.apps.readNamespacedDeployment({ namespace: "gen", name: "notes" })
    expect(observed.status?.observedGeneration).toBe(2)
    // Removing it is a change too.
    const cleared = await mergePatch(path, { metadata: { annotations: { "example.com/note": null } } })
    expect(cleared.body.metadata.generation).toBe(3)
  })

  it("a ReplicaSet's or a Job's annotations do not move their generation", async () => {
    const rs = await raw(sim, "POST", "/apis/apps/v1/namespaces/gen/replicasets", {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "plain" },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "plain" } },
        template: { metadata: { labels: { app: "plain" } }, spec: { containers: [{ name: "a", image: "a:1" }] } },
      },
    })
    expect(rs.status).toBe(201)
    const annotated = await mergePatch("/apis/apps/v1/namespaces/gen/replicasets/plain", {
      metadata: { annotations: { "example.com/note": "x" } },
    })
    expect(annotated.body.metadata.generation).toBe(1)
  })

  it("a held controller lags behind: observedGeneration catches up only once it is released", async () => {
    await c.apps.createNamespacedDeployment({ namespace: "gen", body: deployment("gen", "held", { replicas: 1 }) })
    sim.settle()
    const release = sim.hold("deployment-controller")
    await mergePatch("/apis/apps/v1/namespaces/gen/deployments/held", { spec: { replicas: 2 } })
    sim.settle()
    const lagging = await c.apps.readNamespacedDeployment({ namespace: "gen", name: "held" })
    expect(lagging.metadata?.generation).toBe(2)
    expect(lagging.status?.observedGeneration).toBe(1)
    expect(lagging.status?.replicas).toBe(1)
    release()
    sim.settle()
    const caughtUp = await c.apps.readNamespacedDeployment({ namespace: "gen", name: "held" })
    expect(caughtUp.status?.observedGeneration).toBe(2)
    expect(caughtUp.status?.readyReplicas).toBe(2)
    expect(() => sim.hold("no-such-controller")).toThrow(/deployment-controller/)
  })
})

describe("/status writes", () => {
  it("a Deployment's /status keeps annotation changes, ignores label and spec changes, and moves no generation", async () => {
    await c.apps.createNamespacedDeployment({ namespace: "gen", body: deployment("gen", "st", { replicas: 1 }) })
    sim.settle()
    const written = await mergePatch("/apis/apps/v1/namespaces/gen/deployments/st/status", {
      metadata: { labels: { team: "core" }, annotations: { "example.com/seen": "yes" } },
      spec: { replicas: 5 },
      status: { replicas: 9 },
    })
    expect(written.status).toBe(200)
    expect(written.body.metadata.annotations).toEqual({
      "deployment.kubernetes.io/revision": "1",
      "example.com/seen": "yes",
    })
    expect(written.body.metadata.labels).toEqual({ app: "st" })
    expect(written.body.spec.replicas).toBe(1)
    expect(written.body.status.replicas).toBe(9)
    expect(written.body.metadata.generation).toBe(1)
    // The annotation is the status writer's field.
    const managers = (written.body.metadata.managedFields as Array<{ subresource?: string; fieldsV1: object }>).filter(
      (entry) => entry.subresource === "status",
    )
    expect(managers.some((entry) => JSON.stringify(entry.fieldsV1).includes("example.com/seen"))).toBe(true)
  })

  it("a Pod's /status keeps label changes but not its owners; invalid metadata is refused there too", async () => {
    await c.core.createNamespacedPod({
      namespace: "gen",
      body: { metadata: { name: "p" }, spec: { containers: [{ name: "a", image: "a:1" }] } },
    })
    const written = await mergePatch("/api/v1/namespaces/gen/pods/p/status", {
      metadata: {
        labels: { phase: "seen" },
        ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "1" }],
      },
    })
    expect(written.body.metadata.labels).toEqual({ phase: "seen" })
    expect(written.body.metadata.ownerReferences).toBeUndefined()
    const invalid = await mergePatch("/api/v1/namespaces/gen/pods/p/status", {
      metadata: { labels: { "bad key!": "x" } },
    })
    expect(invalid.status).toBe(422)
  })

  it("a custom resource's /status changes its status alone", async () => {
    await raw(sim, "POST", "/apis/gateway.networking.k8s.io/v1/namespaces/gen/httproutes", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "r" },
      spec: { parentRefs: [{ name: "eg" }] },
    })
    const written = await mergePatch("/apis/gateway.networking.k8s.io/v1/namespaces/gen/httproutes/r/status", {
      metadata: { annotations: { "example.com/seen": "yes" } },
      status: { parents: [] },
    })
    expect(written.status).toBe(200)
    expect(written.body.metadata.annotations).toBeUndefined()
  })
})
