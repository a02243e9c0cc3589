import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Behavior, type KObject, KubeSim, Seeds, type Simulator } from "../src/index.ts"
import { adminHeader, clients, type Doc, deployment, failure, raw, service } from "./support/Clients.ts"

let sim: Simulator
let c: ReturnType<typeof clients>

beforeAll(async () => {
  sim = await KubeSim.start({ clock: "manual", seed: Seeds.envoyGateway() })
  c = clients(sim)
  for (const name of ["vol", "jobs", "routes", "hpa"]) await c.core.createNamespace({ body: { metadata: { name } } })
})
afterAll(() => sim.stop())

const status = (obj: KObject | undefined) => (obj?.status ?? {}) as Doc
const condition = (obj: KObject | undefined, type: string) =>
  (status(obj).conditions as Array<Record<string, string>> | undefined)?.find((x) => x.type === type)

const claim = (name: string, storage: string, storageClassName?: string) => ({
  metadata: { name },
  spec: {
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage } },
    ...(storageClassName ? { storageClassName } : {}),
  },
})

describe("volumes", () => {
  it("a claim of the default DigitalOcean class is provisioned and Bound; one of a missing class stays Pending", async () => {
    const created = await c.core.createNamespacedPersistentVolumeClaim({ namespace: "vol", body: claim("data", "5Gi") })
    expect(created.spec?.storageClassName).toBe("do-block-storage")
    expect(created.status?.phase).toBe("Pending")
    expect(created.metadata?.finalizers).toEqual(["kubernetes.io/pvc-protection"])
    await c.core.createNamespacedPersistentVolumeClaim({
      namespace: "vol",
      body: claim("lost", "1Gi", "no-such-class"),
    })
    sim.tick(2_000)
    const bound = await c.core.readNamespacedPersistentVolumeClaim({ namespace: "vol", name: "data" })
    expect(bound.status).toMatchObject({ phase: "Bound", capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce"] })
    expect(bound.spec?.volumeName).toBe(`pvc-${bound.metadata?.uid}`)
    const pv = await c.core.readPersistentVolume({ name: bound.spec!.volumeName! })
    expect(pv.spec?.csi?.driver).toBe("dobs.csi.digitalocean.com")
    expect(pv.spec?.claimRef?.name).toBe("data")
    expect((await c.core.readNamespacedPersistentVolumeClaim({ namespace: "vol", name: "lost" })).status?.phase).toBe(
      "Pending",
    )
  })

  it("pods wait unscheduled for an unbound claim, then run; the claim grows but never shrinks", async () => {
    await c.core.createNamespacedPersistentVolumeClaim({ namespace: "vol", body: claim("later", "1Gi") })
    const d = deployment("vol", "db", { replicas: 1, readiness: false })
    d.spec!.template.spec!.volumes = [{ name: "data", persistentVolumeClaim: { claimName: "later" } }]
    d.spec!.template.spec!.containers[0]!.volumeMounts = [{ name: "data", mountPath: "/var/lib/data" }]
    await c.apps.createNamespacedDeployment({ namespace: "vol", body: d })
    sim.tick(0)
    const waiting = sim.list("v1", "Pod", "vol", "app=db")[0]
    expect(condition(waiting, "PodScheduled")).toMatchObject({ status: "False", reason: "Unschedulable" })
    sim.tick(2_000)
    const running = sim.list("v1", "Pod", "vol", "app=db")[0]
    expect(status(running).phase).toBe("Running")
    expect((running!.spec as { nodeName: string }).nodeName).toMatch(/^sim-node-\d$/)

    const grown = await raw(
      sim,
      "PATCH",
      "/api/v1/namespaces/vol/persistentvolumeclaims/later",
      { spec: { resources: { requests: { storage: "2Gi" } } } },
      "application/merge-patch+json",
    )
    expect(grown.status).toBe(200)
    sim.tick(1_000)
    expect(status(sim.get("v1", "PersistentVolumeClaim", "vol", "later")).capacity).toEqual({ storage: "2Gi" })
    const shrunk = await raw(
      sim,
      "PATCH",
      "/api/v1/namespaces/vol/persistentvolumeclaims/later",
      { spec: { resources: { requests: { storage: "1Gi" } } } },
      "application/merge-patch+json",
    )
    expect(shrunk.status).toBe(422)
    expect(shrunk.body.details.causes[0]).toMatchObject({
      field: "spec.resources.requests.storage",
      reason: "FieldValueForbidden",
    })
    const changed = await raw(
      sim,
      "PATCH",
      "/api/v1/namespaces/vol/persistentvolumeclaims/later",
      { spec: { accessModes: ["ReadWriteMany"] } },
      "application/merge-patch+json",
    )
    expect(changed.status).toBe(422)
    expect(changed.body.message).toContain("spec is immutable after creation")
  })

  it("a deleted claim is kept while a pod uses it", async () => {
    await c.core.deleteNamespacedPersistentVolumeClaim({ namespace: "vol", name: "later" })
    sim.settle()
    expect(sim.get("v1", "PersistentVolumeClaim", "vol", "later")?.metadata.deletionTimestamp).toBeTruthy()
    await c.apps.deleteNamespacedDeployment({ namespace: "vol", name: "db" })
    sim.settle()
    expect(sim.get("v1", "PersistentVolumeClaim", "vol", "later")).toBeUndefined()
  })
})

const job = (name: string, image: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: {
    backoffLimit: 1,
    ...extra,
    template: { spec: { restartPolicy: "Never", containers: [{ name: "build", image }] } },
  },
})

describe("jobs and cron jobs", () => {
  it("a Job succeeds or fails as its pods are scripted, and its pod's log is readable", async () => {
    sim.pods.script(
      { image: "builder:ok" },
      Behavior.succeed(3_000, ["cloning", { atMs: 1_000, line: "building" }, { atMs: 2_000, line: "pushed" }]),
    )
    sim.pods.script({ image: "builder:bad" }, Behavior.fail(1_000, 2, ["error: no Dockerfile"]))
    await c.batch.createNamespacedJob({ namespace: "jobs", body: job("good", "builder:ok") as never })
    await c.batch.createNamespacedJob({ namespace: "jobs", body: job("bad", "builder:bad") as never })
    sim.tick(0)
    sim.tick(1_500)
    const goodPod = sim.list("v1", "Pod", "jobs", "batch.kubernetes.io/job-name=good")[0]!
    const partial = await raw(sim, "GET", `/api/v1/namespaces/jobs/pods/${goodPod.metadata.name}/log`)
    expect(partial.text).toBe("cloning\nbuilding\n")
    sim.settle({ withinMs: 120_000 })
    const good = sim.get("batch/v1", "Job", "jobs", "good")
    expect(status(good)).toMatchObject({ succeeded: 1, completionTime: expect.any(String) })
    expect(condition(good, "Complete")).toMatchObject({ status: "True" })
    expect(condition(good, "SuccessCriteriaMet")).toMatchObject({ status: "True" })
    const log = await c.core.readNamespacedPodLog({ namespace: "jobs", name: goodPod.metadata.name! })
    expect(log).toBe("cloning\nbuilding\npushed\n")

    const bad = sim.get("batch/v1", "Job", "jobs", "bad")
    expect(status(bad).failed).toBe(2)
    expect(condition(bad, "Failed")).toMatchObject({
      status: "True",
      reason: "BackoffLimitExceeded",
      message: "Job has reached the specified backoff limit",
    })
    const badPods = sim.list("v1", "Pod", "jobs", "batch.kubernetes.io/job-name=bad")
    expect(badPods.map((p) => status(p).phase)).toEqual(["Failed", "Failed"])
    expect((status(badPods[0]).containerStatuses as Doc[])[0]!.state.terminated).toMatchObject({
      exitCode: 2,
      reason: "Error",
    })
  })

  it("follows a running pod's log until its container exits", async () => {
    sim.pods.script(
      { image: "builder:stream" },
      Behavior.succeed(3_000, [
        { atMs: 1_000, line: "step 1" },
        { atMs: 2_000, line: "step 2" },
      ]),
    )
    await c.batch.createNamespacedJob({ namespace: "jobs", body: job("stream", "builder:stream") as never })
    sim.tick(0)
    const pod = sim.list("v1", "Pod", "jobs", "batch.kubernetes.io/job-name=stream")[0]!
    const response = await fetch(`${sim.url}/api/v1/namespaces/jobs/pods/${pod.metadata.name}/log?follow=true`, {
      headers: adminHeader(sim),
    })
    const text = response.text()
    for (let i = 0; i < 4; i++) sim.tick(1_000)
    expect(await text).toBe("step 1\nstep 2\n")
  })

  it("activeDeadlineSeconds fails a Job that runs too long", async () => {
    sim.pods.script({ image: "builder:hang" }, Behavior.healthy)
    await c.batch.createNamespacedJob({
      namespace: "jobs",
      body: job("hang", "builder:hang", { activeDeadlineSeconds: 30 }) as never,
    })
    sim.settle({ withinMs: 60_000 })
    expect(condition(sim.get("batch/v1", "Job", "jobs", "hang"), "Failed")).toMatchObject({
      reason: "DeadlineExceeded",
    })
    expect(
      sim
        .list("v1", "Pod", "jobs", "batch.kubernetes.io/job-name=hang")
        .filter((p) => !p.metadata.deletionTimestamp && status(p).phase === "Running"),
    ).toHaveLength(0)
  })

  it("a CronJob creates a Job at each scheduled minute and keeps only its history limit", async () => {
    await c.batch.createNamespacedCronJob({
      namespace: "jobs",
      body: {
        metadata: { name: "tick" },
        spec: {
          schedule: "*/5 * * * *",
          successfulJobsHistoryLimit: 2,
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "cron:1" }] } } },
          },
        },
      },
    })
    sim.tick(0)
    const created = sim.now()
    const fiveMinutes = 5 * 60_000
    const first = Math.floor(created / fiveMinutes) * fiveMinutes + fiveMinutes
    const marks = [first, first + fiveMinutes, first + 2 * fiveMinutes]
    sim.advanceTo(marks[2]! + 30_000)
    const jobs = sim.list("batch/v1", "Job", "jobs").filter((j) => j.metadata.name?.startsWith("tick-"))
    // Three ran; the history keeps the last two, named by their scheduled minute.
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual(marks.slice(1).map((at) => `tick-${at / 60_000}`))
    expect(jobs.map((j) => j.metadata.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"]).sort()).toEqual(
      marks.slice(1).map((at) => new Date(at).toISOString().replace(".000Z", "Z")),
    )
    const cron = sim.get("batch/v1", "CronJob", "jobs", "tick")
    expect(status(cron).lastScheduleTime).toBe(new Date(marks[2]!).toISOString().replace(".000Z", "Z"))
    expect(status(cron).lastSuccessfulTime).toBeDefined()
  })
})

describe("routes", () => {
  const route = (name: string, backend: string, parent = "eg") => ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name, namespace: "routes" },
    spec: {
      parentRefs: [{ name: parent, namespace: "envoy-gateway-system" }],
      hostnames: [`${name}.apps.example.com`],
      rules: [{ backendRefs: [{ name: backend, port: 80 }] }],
    },
  })

  it("reports status.parents: accepted with resolved refs, or why not", async () => {
    await c.core.createNamespacedService({ namespace: "routes", body: service("routes", "web", { app: "web" }) })
    await c.objects.create(route("ok", "web") as never)
    await c.objects.create(route("dangling", "missing") as never)
    await c.objects.create(route("orphan", "web", "nope") as never)
    sim.settle()
    const parents = (name: string) =>
      status(sim.get("gateway.networking.k8s.io/v1", "HTTPRoute", "routes", name)).parents as Doc[]
    expect(parents("ok")).toEqual([
      {
        parentRef: {
          group: "gateway.networking.k8s.io",
          kind: "Gateway",
          name: "eg",
          namespace: "envoy-gateway-system",
        },
        controllerName: "gateway.envoyproxy.io/gatewayclass-controller",
        conditions: [
          expect.objectContaining({ type: "Accepted", status: "True", reason: "Accepted", observedGeneration: 1 }),
          expect.objectContaining({ type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" }),
        ],
      },
    ])
    expect(parents("dangling")[0]!.conditions[1]).toMatchObject({
      type: "ResolvedRefs",
      status: "False",
      reason: "BackendNotFound",
    })
    expect(parents("orphan")[0]!.conditions[0]).toMatchObject({
      type: "Accepted",
      status: "False",
      reason: "NoMatchingParent",
    })
    const gateway = sim.get("gateway.networking.k8s.io/v1", "Gateway", "envoy-gateway-system", "eg")
    expect(condition(gateway, "Programmed")).toMatchObject({ status: "True" })
    expect((status(gateway).listeners as Array<{ attachedRoutes: number }>)[0]!.attachedRoutes).toBe(2)

    await c.core.createNamespacedService({ namespace: "routes", body: service("routes", "missing", { app: "x" }) })
    sim.settle()
    expect(parents("dangling")[0]!.conditions[1]).toMatchObject({ status: "True" })
  })

  it("refuses a Service backendRef without a port, as the Gateway API's validation does", async () => {
    const bad = route("noport", "web")
    delete (bad.spec.rules[0]!.backendRefs[0] as { port?: number }).port
    const refused = await failure(c.objects.create(JSON.parse(JSON.stringify(bad))))
    expect(refused).toMatchObject({ code: 422 })
    expect(refused.message).toContain("Must have port for Service reference")
  })
})

describe("autoscaling", () => {
  it("scales a Deployment through /scale when utilization crosses the target, within min and max", async () => {
    await c.apps.createNamespacedDeployment({ namespace: "hpa", body: deployment("hpa", "api", { replicas: 2 }) })
    await c.objects.create({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "api", namespace: "hpa" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } },
        ],
      },
    } as never)
    sim.tick(0)
    expect(
      condition(sim.get("autoscaling/v2", "HorizontalPodAutoscaler", "hpa", "api"), "ScalingActive"),
    ).toMatchObject({ status: "False", reason: "FailedGetResourceMetric" })
    sim.setMetrics("hpa", "api", { cpu: 240 })
    sim.tick(15_000)
    const scaled = sim.get("apps/v1", "Deployment", "hpa", "api")
    expect((scaled!.spec as { replicas: number }).replicas).toBe(5)
    expect(scaled?.metadata.managedFields?.find((m) => m.subresource === "scale")).toMatchObject({
      manager: "kube-controller-manager",
    })
    const hpa = sim.get("autoscaling/v2", "HorizontalPodAutoscaler", "hpa", "api")
    expect(status(hpa)).toMatchObject({ desiredReplicas: 5 })
    expect(condition(hpa, "ScalingLimited")).toMatchObject({ status: "True", reason: "TooManyReplicas" })
  })
})
