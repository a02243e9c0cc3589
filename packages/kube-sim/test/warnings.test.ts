import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KubeSim, type Simulator } from "../src/index.ts"
import { adminHeader, clients } from "./support/Clients.ts"

/** The `Warning` headers a real API server sends besides its answers. */

let sim: Simulator
let c: ReturnType<typeof clients>

beforeAll(async () => {
  sim = await KubeSim.start({ clock: "manual" })
  c = clients(sim)
  await c.core.createNamespace({ body: { metadata: { name: "warn" } } })
})
afterAll(() => sim.stop())

const job = (name: string) => ({
  metadata: { name },
  spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "worker:1" }] } } },
})

const remove = async (path: string) => {
  const response = await fetch(`${sim.url}${path}`, { method: "DELETE", headers: adminHeader(sim) })
  await response.text()
  return { status: response.status, warning: response.headers.get("warning") }
}

const orphaned =
  '299 - "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"'

const podsOf = (name: string) => sim.list("v1", "Pod", "warn", `job-name=${name}`)

describe("warnings", () => {
  it("deleting a Job without a propagation policy warns that its pods are kept, and keeps them", async () => {
    await c.batch.createNamespacedJob({ namespace: "warn", body: job("plain") })
    sim.tick()
    expect(podsOf("plain")).toHaveLength(1)
    const deleted = await remove("/apis/batch/v1/namespaces/warn/jobs/plain")
    expect(deleted.status).toBe(200)
    expect(deleted.warning).toBe(orphaned)
    sim.settle()
    expect(podsOf("plain")).toHaveLength(1)
  })

  it("naming a policy (or orphanDependents) says nothing; Background removes the pods", async () => {
    await c.batch.createNamespacedJob({ namespace: "warn", body: job("background") })
    await c.batch.createNamespacedJob({ namespace: "warn", body: job("orphan") })
    sim.tick()
    const background = await remove("/apis/batch/v1/namespaces/warn/jobs/background?propagationPolicy=Background")
    expect(background.warning).toBeNull()
    expect((await remove("/apis/batch/v1/namespaces/warn/jobs/orphan?orphanDependents=true")).warning).toBeNull()
    sim.settle()
    expect(podsOf("background")).toHaveLength(0)
    // Other kinds never warn.
    await c.core.createNamespacedConfigMap({ namespace: "warn", body: { metadata: { name: "cm" } } })
    expect((await remove("/api/v1/namespaces/warn/configmaps/cm")).warning).toBeNull()
  })

  it("deleting a collection of Jobs warns once", async () => {
    await c.batch.createNamespacedJob({ namespace: "warn", body: job("one") })
    await c.batch.createNamespacedJob({ namespace: "warn", body: job("two") })
    const deleted = await remove("/apis/batch/v1/namespaces/warn/jobs")
    expect(deleted.status).toBe(200)
    expect(deleted.warning).toBe(orphaned)
  })
})
