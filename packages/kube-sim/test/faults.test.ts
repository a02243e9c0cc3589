import * as k8s from "@kubernetes/client-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Behavior, KubeSim, type Simulator } from "../src/index.ts"
import { clients, deployment, failure, service } from "./support/Clients.ts"

let sim: Simulator
let c: ReturnType<typeof clients>

beforeAll(async () => {
  sim = await KubeSim.start({ clock: "manual" })
  c = clients(sim)
  await c.core.createNamespace({ body: { metadata: { name: "f" } } })
})
afterAll(() => sim.stop())

const cm = (name: string) => ({ metadata: { name }, data: { k: "v" } })

describe("fault injection", () => {
  it("adds latency to matching requests only", async () => {
    sim.faults.latency(80, { verbs: ["list"] })
    const slowStart = performance.now()
    await c.core.listNamespacedConfigMap({ namespace: "f" })
    const slow = performance.now() - slowStart
    const fastStart = performance.now()
    await c.core.readNamespace({ name: "f" })
    const fast = performance.now() - fastStart
    sim.faults.clear()
    expect(slow).toBeGreaterThanOrEqual(75)
    expect(fast).toBeLessThan(75)
  })

  it("a 409 storm answers the next writes with Conflict, leaves reads alone, then passes", async () => {
    sim.faults.conflicts(2)
    const before = sim.resourceVersion
    expect(await failure(c.core.createNamespacedConfigMap({ namespace: "f", body: cm("a") }))).toMatchObject({
      code: 409,
      reason: "Conflict",
      message: expect.stringContaining("the object has been modified"),
    })
    await c.core.readNamespace({ name: "f" })
    expect((await failure(c.core.createNamespacedConfigMap({ namespace: "f", body: cm("a") }))).code).toBe(409)
    expect(sim.resourceVersion).toBe(before)
    await c.core.createNamespacedConfigMap({ namespace: "f", body: cm("a") })
    expect(sim.faults.pendingErrors).toBe(0)
  })

  it("5xx and 429 storms answer with the API server's Status for each", async () => {
    sim.faults.errors(1, 500)
    sim.faults.errors(1, 503)
    sim.faults.errors(1, 504)
    sim.faults.errors(1, 429)
    const answers = []
    for (let i = 0; i < 4; i++)
      answers.push(await failure(c.core.readNamespacedConfigMap({ namespace: "f", name: "a" })))
    expect(answers.map((a) => [a.code, a.reason])).toEqual([
      [500, "InternalError"],
      [503, "ServiceUnavailable"],
      [504, "Timeout"],
      [429, "TooManyRequests"],
    ])
    expect(answers[3]!.details).toMatchObject({ retryAfterSeconds: 1 })
    expect((await c.core.readNamespacedConfigMap({ namespace: "f", name: "a" })).metadata?.name).toBe("a")
  })

  it("storms can target one resource", async () => {
    sim.faults.errors(5, 503, { resources: ["secrets"] })
    await c.core.createNamespacedConfigMap({ namespace: "f", body: cm("b") })
    expect((await failure(c.core.listNamespacedSecret({ namespace: "f" }))).code).toBe(503)
    sim.faults.clear()
    await c.core.listNamespacedSecret({ namespace: "f" })
  })

  it("an outage resets connections and ends watches until restored; the cluster keeps running underneath", async () => {
    await c.apps.createNamespacedDeployment({ namespace: "f", body: deployment("f", "web", { replicas: 2 }) })
    sim.settle()
    let ended: unknown = "open"
    await new k8s.Watch(c.kc).watch(
      "/api/v1/namespaces/f/pods",
      {},
      () => {},
      (error) => {
        ended = error
      },
    )
    await sim.waitFor(() => sim.openWatches === 1)
    sim.faults.outage()
    await sim.waitFor(() => ended !== "open")
    const down = await c.core.readNamespace({ name: "f" }).then(
      () => "answered",
      (error: Error) => error.message,
    )
    expect(down).not.toBe("answered")
    sim.tick(5_000)
    expect(sim.list("v1", "Pod", "f", "app=web")).toHaveLength(2)
    sim.faults.restore()
    expect((await c.core.readNamespace({ name: "f" })).metadata?.name).toBe("f")
  })

  it("drops watches cleanly (the stream ends) or abruptly (the connection resets)", async () => {
    const outcomes: unknown[] = []
    for (const abrupt of [false, true]) {
      let ended: unknown = "open"
      await new k8s.Watch(c.kc).watch(
        "/api/v1/namespaces/f/configmaps",
        {},
        () => {},
        (error) => {
          ended = error
        },
      )
      await sim.waitFor(() => sim.openWatches === 1)
      expect(sim.faults.dropWatches({ abrupt })).toBe(1)
      await sim.waitFor(() => ended !== "open")
      outcomes.push(ended)
    }
    expect(outcomes[0]).toBeNull()
    expect(outcomes[1]).toBeInstanceOf(Error)
  })
})

describe("clock modes", () => {
  it("fast mode plays a rollout with 10 s readiness per pod in well under a second of wall time", async () => {
    const fast = await KubeSim.start({ clock: "fast", tickMs: 1_000, intervalMs: 5 })
    try {
      const f = clients(fast)
      await f.core.createNamespace({ body: { metadata: { name: "fast" } } })
      await f.core.createNamespacedService({ namespace: "fast", body: service("fast", "web", { app: "web" }) })
      fast.pods.script({ namespace: "fast" }, Behavior.slowStart(10_000))
      const wall = performance.now()
      const virtual = fast.now()
      await f.apps.createNamespacedDeployment({
        namespace: "fast",
        body: deployment("fast", "web", { replicas: 3, maxSurge: 1, maxUnavailable: 0 }),
      })
      await fast.waitFor(() => {
        const d = fast.get("apps/v1", "Deployment", "fast", "web")
        return (d?.status as { availableReplicas?: number } | undefined)?.availableReplicas === 3
      })
      const elapsed = performance.now() - wall
      expect(fast.now() - virtual).toBeGreaterThanOrEqual(10_000)
      expect(elapsed).toBeLessThan(1_000)
      const read = await f.apps.readNamespacedDeployment({ namespace: "fast", name: "web" })
      expect(read.status?.readyReplicas).toBe(3)
    } finally {
      await fast.stop()
    }
  })

  it("realtime mode follows the wall clock", async () => {
    const real = await KubeSim.start({ clock: "realtime" })
    try {
      await new Promise((resolve) => setTimeout(resolve, 450))
      expect(Math.abs(real.now() - Date.now())).toBeLessThan(400)
    } finally {
      await real.stop()
    }
  })
})
