import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Behavior, type KObject, KubeSim, type Simulator } from "../src/index.ts"
import { clients, type Doc, deployment, raw, service } from "./support/Clients.ts"

let sim: Simulator
let c: ReturnType<typeof clients>

beforeAll(async () => {
  sim = await KubeSim.start({ clock: "manual" })
  c = clients(sim)
})
afterAll(() => sim.stop())

let counter = 0
const freshNamespace = async () => {
  const name = `r${++counter}`
  await c.core.createNamespace({ body: { metadata: { name } } })
  return name
}

const setImage = (ns: string, name: string, image: string) =>
  raw(
    sim,
    "PATCH",
    `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
    { spec: { template: { spec: { containers: [{ name: "app", image }] } } } },
    "application/strategic-merge-patch+json",
  )

const status = (obj: KObject | undefined) => (obj?.status ?? {}) as Doc
const condition = (obj: KObject | undefined, type: string) =>
  (status(obj).conditions as Array<Record<string, string>> | undefined)?.find((cond) => cond.type === type)

const readyEndpoints = (ns: string, svc: string) =>
  sim
    .list("discovery.k8s.io/v1", "EndpointSlice", ns, `kubernetes.io/service-name=${svc}`)
    .flatMap((slice) => (slice.endpoints as Array<{ conditions: { ready: boolean } }>) ?? [])
    .filter((e) => e.conditions.ready).length

const activePods = (ns: string, app: string) =>
  sim
    .list("v1", "Pod", ns, `app=${app}`)
    .filter((p) => !p.metadata.deletionTimestamp && !["Succeeded", "Failed"].includes(status(p).phase))

/** Calls `sample` after every change the cluster commits, until stopped. */
const sampling = <A>(sample: () => A) => {
  const samples: A[] = [sample()]
  const stop = sim.observe(() => samples.push(sample()))
  return () => {
    stop()
    return samples
  }
}

describe("rolling updates", () => {
  it("replaces every pod without the Service ever losing a ready endpoint or exceeding replicas + maxSurge", async () => {
    const ns = await freshNamespace()
    await c.core.createNamespacedService({ namespace: ns, body: service(ns, "web", { app: "web" }) })
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, "web", { replicas: 3, maxSurge: 1, maxUnavailable: 0 }),
    })
    sim.settle()
    expect(readyEndpoints(ns, "web")).toBe(3)
    sim.pods.script({ image: "registry.example/app:v2" }, Behavior.slowStart(5_000))
    const started = sim.now()
    const stop = sampling(() => ({ ready: readyEndpoints(ns, "web"), pods: activePods(ns, "web").length }))
    await setImage(ns, "web", "registry.example/app:v2")
    sim.settle()
    const samples = stop()
    expect(Math.min(...samples.map((s) => s.ready))).toBe(3)
    expect(Math.max(...samples.map((s) => s.pods))).toBe(4)
    expect(sim.now() - started).toBeGreaterThanOrEqual(15_000)

    const web = sim.get("apps/v1", "Deployment", ns, "web")
    expect(web?.metadata.generation).toBe(2)
    expect(web?.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2")
    expect(status(web)).toMatchObject({
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    })
    expect(condition(web, "Progressing")).toMatchObject({ status: "True", reason: "NewReplicaSetAvailable" })
    expect(condition(web, "Available")).toMatchObject({ status: "True", reason: "MinimumReplicasAvailable" })
    const sets = sim.list("apps/v1", "ReplicaSet", ns, "app=web")
    expect(sets.map((rs) => (rs.spec as { replicas: number }).replicas).sort()).toEqual([0, 3])
    const images = activePods(ns, "web").map(
      (p) => (p.spec as { containers: Array<{ image: string }> }).containers[0]!.image,
    )
    expect(images).toEqual(["registry.example/app:v2", "registry.example/app:v2", "registry.example/app:v2"])
    const slice = sim.list("discovery.k8s.io/v1", "EndpointSlice", ns, "kubernetes.io/service-name=web")[0]!
    expect(slice.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }])
    expect(slice.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Service", name: "web", controller: true })
  })

  it("with maxSurge 0 and maxUnavailable 1 never runs more pods than replicas nor fewer than replicas - 1 available", async () => {
    const ns = await freshNamespace()
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, "api", { replicas: 4, maxSurge: 0, maxUnavailable: 1 }),
    })
    sim.settle()
    const stop = sampling(() => ({
      pods: activePods(ns, "api").length,
      available: status(sim.get("apps/v1", "Deployment", ns, "api")).availableReplicas ?? 0,
    }))
    await setImage(ns, "api", "registry.example/app:v2")
    sim.settle()
    const samples = stop()
    expect(Math.max(...samples.map((s) => s.pods))).toBe(4)
    expect(Math.min(...samples.map((s) => s.available))).toBe(3)
    expect(status(sim.get("apps/v1", "Deployment", ns, "api"))).toMatchObject({
      updatedReplicas: 4,
      availableReplicas: 4,
    })
  })

  it("counts a pod available only minReadySeconds after it became ready", async () => {
    const ns = await freshNamespace()
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, "slow", { replicas: 2, minReadySeconds: 10 }),
    })
    sim.tick(0)
    sim.tick(2_000)
    const early = status(sim.get("apps/v1", "Deployment", ns, "slow"))
    expect(early.readyReplicas).toBe(2)
    expect(early.availableReplicas).toBeUndefined()
    expect(condition(sim.get("apps/v1", "Deployment", ns, "slow"), "Available")).toMatchObject({ status: "False" })
    sim.tick(10_000)
    expect(status(sim.get("apps/v1", "Deployment", ns, "slow")).availableReplicas).toBe(2)
  })

  it("rolls back to an earlier template by reusing its ReplicaSet under a new revision", async () => {
    const ns = await freshNamespace()
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment(ns, "app", { replicas: 2 }) })
    sim.settle()
    const first = sim.list("apps/v1", "ReplicaSet", ns)[0]!
    await setImage(ns, "app", "registry.example/app:v2")
    sim.settle()
    await setImage(ns, "app", "registry.example/app:v1")
    sim.settle()
    const sets = sim.list("apps/v1", "ReplicaSet", ns)
    expect(sets).toHaveLength(2)
    const current = sets.find((rs) => rs.metadata.uid === first.metadata.uid)!
    expect((current.spec as { replicas: number }).replicas).toBe(2)
    expect(current.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3")
    expect(
      sim.get("apps/v1", "Deployment", ns, "app")?.metadata.annotations?.["deployment.kubernetes.io/revision"],
    ).toBe("3")
  })

  it("scaling without a template change resizes the current ReplicaSet only", async () => {
    const ns = await freshNamespace()
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment(ns, "s", { replicas: 2 }) })
    sim.settle()
    await raw(
      sim,
      "PATCH",
      `/apis/apps/v1/namespaces/${ns}/deployments/s`,
      { spec: { replicas: 5 } },
      "application/merge-patch+json",
    )
    sim.settle()
    expect(sim.list("apps/v1", "ReplicaSet", ns)).toHaveLength(1)
    expect(activePods(ns, "s")).toHaveLength(5)
    await raw(
      sim,
      "PATCH",
      `/apis/apps/v1/namespaces/${ns}/deployments/s`,
      { spec: { replicas: 1 } },
      "application/merge-patch+json",
    )
    sim.settle()
    expect(activePods(ns, "s")).toHaveLength(1)
  })

  it("scaling in the middle of a rollout spreads the new replicas over both ReplicaSets in proportion (the documented 10 → 15 example)", async () => {
    const ns = await freshNamespace()
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, "nginx", { replicas: 10, maxSurge: 3, maxUnavailable: 2 }),
    })
    sim.settle()
    sim.pods.script({ namespace: ns, image: "registry.example/app:missing" }, Behavior.imagePullError)
    await setImage(ns, "nginx", "registry.example/app:missing")
    sim.settle({ withinMs: 60_000 })
    const sizes = () =>
      Object.fromEntries(
        sim
          .list("apps/v1", "ReplicaSet", ns)
          .map((rs) => [(rs.spec as Doc).template.spec.containers[0].image.split(":")[1], (rs.spec as Doc).replicas]),
      )
    expect(sizes()).toEqual({ v1: 8, missing: 5 })
    await raw(
      sim,
      "PATCH",
      `/apis/apps/v1/namespaces/${ns}/deployments/nginx`,
      { spec: { replicas: 15 } },
      "application/merge-patch+json",
    )
    sim.settle({ withinMs: 60_000 })
    expect(sizes()).toEqual({ v1: 11, missing: 7 })
  })

  it("Recreate removes every old pod before the first new one is created", async () => {
    const ns = await freshNamespace()
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, "once", { replicas: 3, strategy: "Recreate" }),
    })
    sim.settle()
    const stop = sampling(() => {
      const images = new Set(
        sim.list("v1", "Pod", ns).map((p) => (p.spec as { containers: Array<{ image: string }> }).containers[0]!.image),
      )
      return images.size
    })
    await setImage(ns, "once", "registry.example/app:v2")
    sim.settle()
    expect(Math.max(...stop())).toBe(1)
    expect(activePods(ns, "once")).toHaveLength(3)
  })
})

describe("endpoints", () => {
  it("a pod being deleted stays in the slice as terminating and serving, not ready, until its containers exit", async () => {
    const ns = await freshNamespace()
    await c.core.createNamespacedService({ namespace: ns, body: service(ns, "web", { app: "web" }) })
    sim.pods.script({ namespace: ns }, { shutdownMs: 5_000 })
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment(ns, "web", { replicas: 2 }) })
    sim.settle()
    const victim = activePods(ns, "web")[0]!
    await c.core.deleteNamespacedPod({ namespace: ns, name: victim.metadata.name! })
    sim.tick(1_000)
    const endpoints = () =>
      sim
        .list("discovery.k8s.io/v1", "EndpointSlice", ns, "kubernetes.io/service-name=web")
        .flatMap(
          (slice) => slice.endpoints as Array<{ targetRef: { name: string }; conditions: Record<string, boolean> }>,
        )
    const leaving = endpoints().find((e) => e.targetRef.name === victim.metadata.name)
    expect(leaving?.conditions).toEqual({ ready: false, serving: true, terminating: true })
    expect(endpoints().filter((e) => e.conditions.ready)).toHaveLength(2)
    sim.tick(5_000)
    expect(endpoints().map((e) => e.targetRef.name)).not.toContain(victim.metadata.name)
  })
})

describe("failed rollouts", () => {
  it("pods that never pass readiness: ProgressDeadlineExceeded after the deadline, and the old pods keep serving", async () => {
    const ns = await freshNamespace()
    await c.core.createNamespacedService({ namespace: ns, body: service(ns, "web", { app: "web" }) })
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, "web", { replicas: 3, progressDeadlineSeconds: 30 }),
    })
    sim.settle()
    sim.pods.script({ namespace: ns, image: "registry.example/app:broken" }, Behavior.neverReady)
    const started = sim.now()
    await setImage(ns, "web", "registry.example/app:broken")
    sim.settle({ withinMs: 120_000 })
    const web = sim.get("apps/v1", "Deployment", ns, "web")
    expect(condition(web, "Progressing")).toMatchObject({
      status: "False",
      reason: "ProgressDeadlineExceeded",
      message: expect.stringMatching(/^ReplicaSet "web-\w+" has timed out progressing\.$/),
    })
    const failedAt = Date.parse(condition(web, "Progressing")!.lastTransitionTime!)
    expect(failedAt - started).toBeGreaterThanOrEqual(30_000)
    expect(failedAt - started).toBeLessThan(45_000)
    expect(status(web)).toMatchObject({ replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 })
    expect(readyEndpoints(ns, "web")).toBe(3)
    const notReady = activePods(ns, "web").filter((p) =>
      (p.spec as { containers: Array<{ image: string }> }).containers[0]!.image.endsWith("broken"),
    )
    expect(notReady).toHaveLength(1)
    expect(condition(notReady[0], "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady" })
  })

  it("a crash loop restarts with growing back-off, shows CrashLoopBackOff and never becomes ready", async () => {
    const ns = await freshNamespace()
    sim.pods.script({ namespace: ns }, Behavior.crashLoop(2_000, 3))
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment(ns, "crash", { replicas: 1 }) })
    sim.tick(0)
    sim.tick(60_000)
    const pod = activePods(ns, "crash")[0]!
    const container = (status(pod).containerStatuses as Doc[])[0]!
    // Runs of 2 s, back-offs of 10, 20, 40 s: three restarts within the first minute.
    expect(container.restartCount).toBe(3)
    expect(container.ready).toBe(false)
    expect(container.lastState.terminated).toMatchObject({ exitCode: 3, reason: "Error" })
    sim.tick(2_000)
    const waiting = (status(activePods(ns, "crash")[0]).containerStatuses as Doc[])[0]!
    expect(waiting.state.waiting).toMatchObject({
      reason: "CrashLoopBackOff",
      message: expect.stringContaining("back-off 40s restarting failed container=app"),
    })
    expect(status(sim.get("apps/v1", "Deployment", ns, "crash")).availableReplicas).toBeUndefined()
  })

  it("refused pod creation (an exhausted quota) surfaces as ReplicaFailure on the ReplicaSet and the Deployment", async () => {
    const ns = await freshNamespace()
    const allow = sim.pods.refuse(
      { namespace: ns },
      "exceeded quota: compute, requested: pods=1, used: pods=0, limited: pods=0",
    )
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment(ns, "q", { replicas: 2 }) })
    sim.settle({ withinMs: 5_000 })
    const q = sim.get("apps/v1", "Deployment", ns, "q")
    expect(condition(q, "ReplicaFailure")).toMatchObject({
      status: "True",
      reason: "FailedCreate",
      message: expect.stringMatching(/^pods "q-\w+-\w+" is forbidden: exceeded quota: compute/),
    })
    allow()
    sim.settle({ withinMs: 30_000 })
    expect(condition(sim.get("apps/v1", "Deployment", ns, "q"), "ReplicaFailure")).toBeUndefined()
    expect(activePods(ns, "q")).toHaveLength(2)
  })
})

describe("probes", () => {
  const probed = (ns: string, name: string, startup: boolean) => {
    const d = deployment(ns, name, { replicas: 1 })
    const container = d.spec!.template.spec!.containers[0]!
    container.livenessProbe = { httpGet: { path: "/live", port: "http" }, periodSeconds: 10, failureThreshold: 3 }
    if (startup)
      container.startupProbe = { httpGet: { path: "/live", port: "http" }, periodSeconds: 10, failureThreshold: 12 }
    return d
  }

  it("a slow start without a startup probe is killed by its liveness probe; with one it comes up", async () => {
    const ns = await freshNamespace()
    sim.pods.script({ namespace: ns }, Behavior.slowStart(60_000))
    await c.apps.createNamespacedDeployment({ namespace: ns, body: probed(ns, "bare", false) })
    await c.apps.createNamespacedDeployment({ namespace: ns, body: probed(ns, "guarded", true) })
    sim.tick(0)
    sim.tick(90_000)
    const bare = (status(activePods(ns, "bare")[0]).containerStatuses as Doc[])[0]!
    expect(bare.restartCount).toBeGreaterThanOrEqual(2)
    expect(bare.lastState.terminated.exitCode).toBe(137)
    const guarded = (status(activePods(ns, "guarded")[0]).containerStatuses as Doc[])[0]!
    expect(guarded).toMatchObject({ restartCount: 0, started: true, ready: true })
  })

  it("readiness waits for the probe's first success after initialDelaySeconds", async () => {
    const ns = await freshNamespace()
    const d = deployment(ns, "delayed", { replicas: 1 })
    d.spec!.template.spec!.containers[0]!.readinessProbe = {
      httpGet: { path: "/", port: "http" },
      initialDelaySeconds: 15,
      periodSeconds: 5,
    }
    await c.apps.createNamespacedDeployment({ namespace: ns, body: d })
    sim.tick(0)
    const start = sim.now()
    sim.until(() => condition(activePods(ns, "delayed")[0], "Ready")?.status === "True")
    expect(sim.now() - start).toBe(15_000)
  })
})
