import { describe, expect, it } from "@effect/vitest"
import { Behavior } from "@starform/kube-sim"
import { Effect, Schema } from "effect"
import * as Fixtures from "../../packages/manifests/test/fixtures.ts"
import * as Harness from "./support/Harness.ts"

/** Rollouts on the simulated cluster, end to end: desired state over RPC, Shuttle, kube-sim's controllers. */

const phaseOf = (running: Harness.Running, deploymentId: string) =>
  running.projects.observed(deploymentId).pipe(Effect.map((report) => report?.phase))

/** What these tests read of the objects kube-sim stores: the fields they assert on, decoded (others ignored). */
const Strings = Schema.Record(Schema.String, Schema.String)
const selectorOf = Schema.decodeUnknownSync(Schema.Struct({ spec: Schema.Struct({ selector: Strings }) }))
const secretOf = Schema.decodeUnknownSync(Schema.Struct({ data: Strings }))
const Condition = Schema.Struct({ type: Schema.String, status: Schema.String })
const routeOf = Schema.decodeUnknownSync(
  Schema.Struct({
    status: Schema.optionalKey(
      Schema.Struct({
        parents: Schema.optionalKey(
          Schema.Array(Schema.Struct({ conditions: Schema.optionalKey(Schema.Array(Condition)) })),
        ),
      }),
    ),
  }),
)

const deployments = (running: Harness.Running, namespace: string) =>
  running.sim
    .list("apps/v1", "Deployment", namespace)
    .map((deployment) => deployment.metadata?.name)
    .sort()

describe("rollouts", () => {
  it.live(
    "a web service deploys, scales, gets new variables, changes image and rolls back without a moment its Service selects no ready pod",
    () =>
      Effect.gen(function* () {
        const running = yield* Harness.make()
        const { sim, projects } = running
        const ids = Fixtures.environmentIds()
        const first = Fixtures.release(1)
        const base = { scaling: { mode: "fixed" as const, replicas: 2 }, drainingSeconds: 1, release: first }
        let service = Fixtures.service(ids, base)
        const publish = () => projects.publish([Fixtures.environment(ids, [service])])

        yield* publish()
        yield* Harness.eventually(phaseOf(running, first.deploymentId).pipe(Effect.map((p) => p === "ready")))
        expect(Harness.readyEndpoints(sim, ids.namespace, "api")).toHaveLength(2)
        // The public route is taken by the gateway, its backend (the stable Service) found.
        const routeAccepted = () => {
          const stored = sim.get("gateway.networking.k8s.io/v1", "HTTPRoute", ids.namespace, "api")
          const conditions = stored === undefined ? [] : (routeOf(stored).status?.parents?.[0]?.conditions ?? [])
          return ["Accepted", "ResolvedRefs"].every((type) =>
            conditions.some((condition) => condition.type === type && condition.status === "True"),
          )
        }
        yield* Harness.until(sim, routeAccepted)

        // From here on, every committed change is checked: the Service must always have a ready endpoint.
        const seen: Array<number> = []
        const stopWatching = sim.observe((event) => {
          if (event.object.kind !== "EndpointSlice" && event.object.kind !== "Service") return
          seen.push(Harness.readyEndpoints(sim, ids.namespace, "api").length)
        })

        // Scale within the release.
        service = Fixtures.service(ids, {
          ...base,
          serviceId: service.serviceId,
          scaling: { mode: "fixed", replicas: 3 },
        })
        yield* publish()
        yield* Harness.until(sim, () => Harness.readyEndpoints(sim, ids.namespace, "api").length === 3)

        // New variables roll the serving release's pods within it, with its surge limits.
        const podsBefore = sim.list("v1", "Pod", ids.namespace).map((pod) => pod.metadata?.name)
        service = Fixtures.service(ids, {
          ...base,
          serviceId: service.serviceId,
          scaling: { mode: "fixed", replicas: 3 },
          variables: { ...service.variables, FEATURE_FLAG: "on" },
        })
        yield* publish()
        yield* Harness.until(sim, () => {
          const ready = Harness.readyEndpoints(sim, ids.namespace, "api")
          return ready.length === 3 && ready.every((pod) => !podsBefore.includes(pod))
        })
        const secret = secretOf(sim.get("v1", "Secret", ids.namespace, "api-env"))
        expect(Buffer.from(secret.data.FEATURE_FLAG!, "base64").toString()).toBe("on")

        // A new image is a new release; the first keeps serving until it is ready, then drains and goes.
        const second = Fixtures.release(2)
        service = Fixtures.service(ids, {
          ...base,
          serviceId: service.serviceId,
          scaling: { mode: "fixed", replicas: 3 },
          variables: service.variables,
          release: second,
          previousRelease: first,
        })
        yield* publish()
        yield* Harness.eventually(phaseOf(running, second.deploymentId).pipe(Effect.map((p) => p === "ready")))
        yield* Harness.until(sim, () => deployments(running, ids.namespace).join() === "api-r2")

        // Rolling back is a new release with the first one's image.
        const third = Fixtures.release(3, first.image)
        service = Fixtures.service(ids, {
          ...base,
          serviceId: service.serviceId,
          scaling: { mode: "fixed", replicas: 3 },
          variables: service.variables,
          release: third,
          previousRelease: second,
        })
        yield* publish()
        yield* Harness.eventually(phaseOf(running, third.deploymentId).pipe(Effect.map((p) => p === "ready")))
        yield* Harness.until(sim, () => deployments(running, ids.namespace).join() === "api-r3")
        stopWatching()

        // The endpoints were seen growing to three, and moving twice, never through zero.
        expect(seen).toContain(3)
        expect(seen.length).toBeGreaterThanOrEqual(4)
        expect(Math.min(...seen)).toBeGreaterThanOrEqual(1)
        const selector = selectorOf(sim.get("v1", "Service", ids.namespace, "api")).spec.selector
        expect(selector).toEqual({
          "starform.io/service-id": service.serviceId,
          "starform.io/deployment-id": third.deploymentId,
        })
        const pods = Harness.readyEndpoints(sim, ids.namespace, "api")
        expect(pods).toHaveLength(3)
        for (const pod of pods) expect(pod).toMatch(/^api-r3-/)
      }).pipe(Effect.scoped),
    60_000,
  )

  const failures = [
    {
      what: "never becomes ready",
      script: (sim: Harness.Running["sim"], image: string) => sim.pods.script({ image }, Behavior.neverReady),
      reason: /^ProgressDeadlineExceeded: /,
    },
    {
      what: "crash-loops",
      script: (sim: Harness.Running["sim"], image: string) => sim.pods.script({ image }, Behavior.crashLoop(500)),
      reason: /^CrashLoopBackOff: container app of pod api-r2-/,
    },
    {
      what: "cannot get pods created (quota)",
      script: (sim: Harness.Running["sim"], image: string) => sim.pods.refuse({ image }),
      reason: /^ReplicaFailure: FailedCreate/,
    },
  ]
  for (const failure of failures) {
    it.live(
      `a release that ${failure.what} is reported failed with the reason, and traffic never leaves the previous one`,
      () =>
        Effect.gen(function* () {
          const running = yield* Harness.make()
          const { sim, projects } = running
          const ids = Fixtures.environmentIds()
          const first = Fixtures.release(1)
          const second = Fixtures.release(2)
          let service = Fixtures.service(ids, { release: first })
          yield* projects.publish([Fixtures.environment(ids, [service])])
          yield* Harness.eventually(phaseOf(running, first.deploymentId).pipe(Effect.map((p) => p === "ready")))

          const selected: Array<string> = []
          const endpoints: Array<ReadonlyArray<string>> = []
          const stopWatching = sim.observe((event) => {
            if (event.object.kind === "Service" && event.object.metadata?.name === "api") {
              selected.push(selectorOf(event.object).spec.selector["starform.io/deployment-id"]!)
            }
            if (event.object.kind === "EndpointSlice") endpoints.push(Harness.readyEndpoints(sim, ids.namespace, "api"))
          })
          failure.script(sim, second.image)
          service = Fixtures.service(ids, { serviceId: service.serviceId, release: second, previousRelease: first })
          yield* projects.publish([Fixtures.environment(ids, [service])])
          yield* Harness.eventually(
            phaseOf(running, second.deploymentId).pipe(Effect.map((p) => p === "failed")),
            20_000,
          )
          stopWatching()

          const report = yield* projects.observed(second.deploymentId)
          expect(report?.failureReason).toMatch(failure.reason)
          expect(report?.readyReplicas).toBe(0)
          for (const deploymentId of selected) expect(deploymentId).toBe(first.deploymentId)
          const stable = selectorOf(sim.get("v1", "Service", ids.namespace, "api"))
          expect(stable.spec.selector["starform.io/deployment-id"]).toBe(first.deploymentId)
          for (const ready of endpoints) {
            expect(ready.length).toBeGreaterThanOrEqual(1)
            for (const pod of ready) expect(pod).toMatch(/^api-r1-/)
          }
          expect(Harness.readyEndpoints(sim, ids.namespace, "api")).toHaveLength(2)
          // The previous release is still the one the projects service saw ready.
          expect(yield* phaseOf(running, first.deploymentId)).toBe("ready")
        }).pipe(Effect.scoped),
      60_000,
    )
  }
})
