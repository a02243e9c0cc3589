import { describe, expect, it } from "@effect/vitest"
import { Behavior } from "@starform/kube-sim"
import { Effect } from "effect"
import * as Fixtures from "../../packages/manifests/test/fixtures.ts"
import * as Harness from "./support/Harness.ts"

/** Shuttle when things go wrong around it: Starbase away, Shuttle itself restarted, an API server misbehaving. */

const ready = (running: Harness.Running, deploymentId: string) =>
  Harness.eventually(
    running.projects.observed(deploymentId).pipe(Effect.map((report) => report?.phase === "ready")),
    20_000,
  )

const names = (running: Harness.Running, apiVersion: string, kind: string, namespace?: string) =>
  running.sim
    .list(apiVersion, kind, namespace)
    .map((object) => object.metadata?.name ?? "")
    .sort()

const selectorOf = (running: Harness.Running, namespace: string, name: string) =>
  (running.sim.get("v1", "Service", namespace, name) as { spec: { selector: Record<string, string> } } | undefined)
    ?.spec.selector["starform.io/deployment-id"]

describe("resilience", () => {
  it.live(
    "with Starbase unreachable mid-rollout, workloads keep running and Shuttle finishes from its cache — even restarted — then catches up",
    () =>
      Effect.gen(function* () {
        const running = yield* Harness.make()
        const { sim, projects } = running
        const ids = Fixtures.environmentIds()
        const first = Fixtures.release(1)
        const second = Fixtures.release(2)
        const third = Fixtures.release(3)
        const serviceId = Fixtures.service(ids).serviceId
        const publish = (release: ReturnType<typeof Fixtures.release>, previousRelease: typeof release | null) =>
          projects.publish([
            Fixtures.environment(ids, [
              Fixtures.service(ids, { serviceId, release, previousRelease, drainingSeconds: 1 }),
            ]),
          ])
        yield* publish(first, null)
        yield* ready(running, first.deploymentId)

        // The new release starts slowly; Starbase goes away as soon as Shuttle has begun rolling it out.
        sim.pods.script({ image: second.image }, Behavior.slowStart(30_000))
        yield* publish(second, first)
        yield* Harness.until(sim, () => sim.get("apps/v1", "Deployment", ids.namespace, "api-r2") !== undefined)
        yield* projects.stop
        const reportsWhileUp = (yield* projects.reports).length

        // Shuttle is restarted meanwhile: it has only the desired state it cached in the cluster.
        yield* running.stop
        expect(Harness.readyEndpoints(sim, ids.namespace, "api").length).toBe(2)
        yield* running.start
        yield* Harness.until(sim, () => selectorOf(running, ids.namespace, "api") === second.deploymentId, 20_000)
        yield* Harness.until(
          sim,
          () => names(running, "apps/v1", "Deployment", ids.namespace).join() === "api-r2",
          20_000,
        )
        expect(Harness.readyEndpoints(sim, ids.namespace, "api").length).toBe(2)

        // Starbase returns with a newer version published meanwhile: the held reports arrive, the new version applies.
        yield* publish(third, second)
        yield* projects.start
        yield* ready(running, second.deploymentId)
        yield* ready(running, third.deploymentId)
        expect((yield* projects.reports).length).toBeGreaterThan(reportsWhileUp)
        yield* Harness.until(
          sim,
          () => names(running, "apps/v1", "Deployment", ids.namespace).join() === "api-r3",
          20_000,
        )
      }).pipe(Effect.scoped),
    60_000,
  )

  it.live(
    "Shuttle restarted mid-rollout converges without duplicates",
    () =>
      Effect.gen(function* () {
        const running = yield* Harness.make()
        const { sim, projects } = running
        const ids = Fixtures.environmentIds()
        const first = Fixtures.release(1)
        const second = Fixtures.release(2)
        const web = Fixtures.service(ids, { release: first, drainingSeconds: 1 })
        const worker = Fixtures.service(ids, { name: "jobs", type: "worker", release: Fixtures.release(1) })
        yield* projects.publish([Fixtures.environment(ids, [web, worker])])
        yield* ready(running, first.deploymentId)

        sim.pods.script({ image: second.image }, Behavior.slowStart(20_000))
        yield* projects.publish([
          Fixtures.environment(ids, [{ ...web, release: second, previousRelease: first }, worker]),
        ])
        yield* Harness.until(sim, () => sim.get("apps/v1", "Deployment", ids.namespace, "api-r2") !== undefined)
        yield* running.stop
        yield* running.start
        yield* ready(running, second.deploymentId)
        yield* Harness.until(
          sim,
          () => names(running, "apps/v1", "Deployment", ids.namespace).join() === "api-r2,jobs-r1",
          20_000,
        )

        expect(names(running, "v1", "Service", ids.namespace)).toEqual(["api"])
        expect(names(running, "v1", "Secret", ids.namespace)).toEqual(["api-env", "jobs-env"])
        expect(names(running, "gateway.networking.k8s.io/v1", "HTTPRoute", ids.namespace)).toEqual(["api"])
        expect(names(running, "networking.k8s.io/v1", "NetworkPolicy", ids.namespace)).toEqual([
          "api-public",
          "starform-isolation",
        ])
        const replicaSets = sim.list(
          "apps/v1",
          "ReplicaSet",
          ids.namespace,
          `starform.io/deployment-id=${second.deploymentId}`,
        )
        expect(replicaSets).toHaveLength(1)
        expect(names(running, "v1", "Namespace").filter((name) => name.startsWith("env-"))).toEqual([ids.namespace])
      }).pipe(Effect.scoped),
    60_000,
  )

  it.live(
    "through 409 and 5xx storms and dropped watches it converges with no duplicates, and never prunes what is not its own",
    () =>
      Effect.gen(function* () {
        const running = yield* Harness.make()
        const { sim, projects } = running
        const ids = Fixtures.environmentIds()
        const services = ["a", "b", "c"].map((name) => Fixtures.service(ids, { name, isPublic: false, domains: [] }))
        yield* projects.publish([Fixtures.environment(ids, services)])
        yield* Harness.until(sim, () => sim.get("v1", "Namespace", undefined, ids.namespace) !== undefined)

        // Someone else's objects in the same namespace: one without Shuttle's label, one that claims it falsely.
        sim.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "theirs", namespace: ids.namespace } })
        sim.create({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: {
            name: "impostor",
            namespace: ids.namespace,
            labels: { "app.kubernetes.io/managed-by": "shuttle", "starform.io/service-id": services[0]!.serviceId },
          },
        })
        sim.faults.conflicts(15)
        sim.faults.errors(15, 500)
        sim.faults.errors(10, 503, { verbs: ["list", "get"] })
        for (let i = 0; i < 3; i++) {
          sim.faults.dropWatches({ abrupt: i % 2 === 0 })
          yield* Effect.sleep("150 millis")
        }
        for (const service of services) yield* ready(running, service.release.deploymentId)

        expect(names(running, "apps/v1", "Deployment", ids.namespace)).toEqual(["a-r1", "b-r1", "c-r1"])
        expect(names(running, "v1", "Service", ids.namespace)).toEqual(["a", "b", "c"])
        for (const service of services) {
          expect(
            sim.list("apps/v1", "ReplicaSet", ids.namespace, `starform.io/service-id=${service.serviceId}`),
          ).toHaveLength(1)
        }

        // Service a leaves: what it owned goes, and nothing else.
        yield* projects.publish([Fixtures.environment(ids, services.slice(1))])
        yield* Harness.until(
          sim,
          () => names(running, "apps/v1", "Deployment", ids.namespace).join() === "b-r1,c-r1",
          20_000,
        )
        yield* Harness.until(sim, () => !names(running, "v1", "Secret", ids.namespace).includes("a-env"))
        expect(names(running, "v1", "Service", ids.namespace)).toEqual(["b", "c"])
        expect(names(running, "v1", "ConfigMap", ids.namespace)).toEqual(
          expect.arrayContaining(["theirs", "impostor", "starform-inventory"]),
        )
        expect(sim.controllerErrors).toEqual([])
      }).pipe(Effect.scoped),
    60_000,
  )

  it.live(
    "removing a service prunes everything it owned (route, HPA, policy, Service, workload, Secret) and nothing else; its volume stays",
    () =>
      Effect.gen(function* () {
        const running = yield* Harness.make()
        const { sim, projects } = running
        const ids = Fixtures.environmentIds()
        const web = Fixtures.service(ids, {
          name: "web",
          scaling: {
            mode: "autoscale",
            minReplicas: 1,
            maxReplicas: 3,
            targetCpuPercent: 80,
            targetMemoryPercent: null,
            scaleUpCooldownSeconds: 0,
            scaleDownCooldownSeconds: 300,
          },
          volumes: [{ name: "uploads", sizeGb: 5, mountPath: "/data", storageClass: "do-block-storage" }],
        })
        const worker = Fixtures.service(ids, { name: "jobs", type: "worker" })
        const cron = Fixtures.service(ids, { name: "nightly", type: "cron", cronSchedule: "0 3 * * *" })
        yield* projects.publish([Fixtures.environment(ids, [web, worker, cron])])
        for (const service of [web, worker, cron]) yield* ready(running, service.release.deploymentId)
        expect(names(running, "autoscaling/v2", "HorizontalPodAutoscaler", ids.namespace)).toEqual(["web"])
        expect(names(running, "batch/v1", "CronJob", ids.namespace)).toEqual(["nightly"])
        expect(names(running, "v1", "PersistentVolumeClaim", ids.namespace)).toEqual(["uploads"])

        yield* projects.publish([Fixtures.environment(ids, [worker, cron])])
        yield* Harness.until(
          sim,
          () => names(running, "apps/v1", "Deployment", ids.namespace).join() === "jobs-r1",
          20_000,
        )
        yield* Harness.until(sim, () => names(running, "v1", "Secret", ids.namespace).join() === "jobs-env,nightly-env")
        // Pruned in reverse apply order: the gateway policy goes last.
        yield* Harness.until(
          sim,
          () => names(running, "networking.k8s.io/v1", "NetworkPolicy", ids.namespace).join() === "starform-isolation",
        )
        expect(names(running, "v1", "Service", ids.namespace)).toEqual([])
        expect(names(running, "gateway.networking.k8s.io/v1", "HTTPRoute", ids.namespace)).toEqual([])
        expect(names(running, "autoscaling/v2", "HorizontalPodAutoscaler", ids.namespace)).toEqual([])
        expect(names(running, "batch/v1", "CronJob", ids.namespace)).toEqual(["nightly"])
        expect(names(running, "v1", "PersistentVolumeClaim", ids.namespace)).toEqual(["uploads"])

        // The environment leaves the cluster: its namespace goes, with everything in it.
        yield* projects.publish([])
        yield* Harness.until(sim, () => sim.get("v1", "Namespace", undefined, ids.namespace) === undefined, 20_000)
        expect(sim.get("v1", "Namespace", undefined, "starform-system")).toBeDefined()
      }).pipe(Effect.scoped),
    60_000,
  )

  it.live(
    "environments synced side by side are all recorded, and all pruned with their namespaces when they leave",
    () =>
      Effect.gen(function* () {
        const running = yield* Harness.make()
        const { sim, projects } = running
        const environments = Array.from({ length: 6 }, (_, i) => {
          const ids = Fixtures.environmentIds(`env-${i}`)
          return Fixtures.environment(ids, [Fixtures.service(ids, { type: "worker", name: "jobs" })])
        })
        yield* projects.publish(environments)
        for (const environment of environments) yield* ready(running, environment.services[0]!.release.deploymentId)
        const ours = () => names(running, "v1", "Namespace").filter((name) => name.startsWith("env-"))
        expect(ours()).toEqual(environments.map((environment) => environment.namespace).sort())
        yield* projects.publish(environments.slice(0, 1))
        yield* Harness.until(sim, () => ours().join() === environments[0]!.namespace, 20_000)
      }).pipe(Effect.scoped),
    60_000,
  )

  it.live("a pass over an unchanged cluster sends no request and writes nothing", () =>
    Effect.gen(function* () {
      const running = yield* Harness.make()
      const ids = Fixtures.environmentIds()
      const services = [
        Fixtures.service(ids),
        Fixtures.service(ids, { name: "jobs", type: "worker" }),
        Fixtures.service(ids, { name: "nightly", type: "cron", cronSchedule: "0 3 * * *" }),
      ]
      yield* running.projects.publish([Fixtures.environment(ids, services)])
      for (const service of services) yield* ready(running, service.release.deploymentId)
      const supervisor = yield* running.supervisor
      yield* supervisor.idle
      const before = yield* running.metrics
      // The counters do count: converging took requests and writes.
      expect(before.writes).toBeGreaterThan(0)
      expect(before.requests).toBeGreaterThan(before.writes)
      const serverBefore = { ...running.sim.stats }
      yield* supervisor.pass
      const after = yield* running.metrics
      expect(after.writes - before.writes).toBe(0)
      expect(after.requests - before.requests).toBe(0)
      expect(running.sim.stats.writes - serverBefore.writes).toBe(0)
      // What Shuttle wrote, it wrote by server-side apply as its own field manager.
      const deployment = running.sim.get("apps/v1", "Deployment", ids.namespace, "api-r1")
      expect(deployment?.metadata?.managedFields).toEqual(
        expect.arrayContaining([expect.objectContaining({ manager: "starform-shuttle", operation: "Apply" })]),
      )
    }).pipe(Effect.scoped),
  )
})
