import { describe, expect, it } from "@effect/vitest"
import type { Simulator } from "@starform/kube-sim"
import { Effect } from "effect"
import * as Fixtures from "../../packages/manifests/test/fixtures.ts"
import * as Harness from "./support/Harness.ts"

/**
 * The rollout gate under the API server's generation rule: a change to a Deployment's annotations moves its
 * `metadata.generation` (labels do not), and its status describes the new generation only once the Deployment
 * controller has looked. Until then the release is not known to be complete, whatever its replica counts say.
 */

const selectedRelease = (sim: Simulator, namespace: string): string | undefined =>
  (sim.get("v1", "Service", namespace, "api") as { spec?: { selector?: Record<string, string> } } | undefined)?.spec
    ?.selector?.["starform.io/deployment-id"]

interface LiveDeployment {
  readonly metadata: { readonly generation?: number }
  readonly status?: { readonly observedGeneration?: number; readonly availableReplicas?: number }
}

const release = (sim: Simulator, namespace: string, name: string) =>
  sim.get("apps/v1", "Deployment", namespace, name) as LiveDeployment | undefined

describe("the rollout gate and generations", () => {
  it.live(
    "traffic never moves to a release whose controller has not observed the generation an annotation change made",
    () =>
      Effect.gen(function* () {
        const running = yield* Harness.make()
        const { sim, projects } = running
        const ids = Fixtures.environmentIds()
        const first = Fixtures.release(1)
        const second = Fixtures.release(2)
        const base = { scaling: { mode: "fixed" as const, replicas: 1 }, drainingSeconds: 1 }
        let service = Fixtures.service(ids, { ...base, release: first })
        yield* projects.publish([Fixtures.environment(ids, [service])])
        yield* Harness.eventually(
          projects.observed(first.deploymentId).pipe(Effect.map((report) => report?.phase === "ready")),
        )

        // Shuttle creates the second release's Deployment, then stops before its pods exist.
        const releasePods = sim.hold("replicaset-controller")
        service = Fixtures.service(ids, {
          ...base,
          serviceId: service.serviceId,
          release: second,
          previousRelease: first,
        })
        yield* projects.publish([Fixtures.environment(ids, [service])])
        yield* Harness.until(sim, () => release(sim, ids.namespace, "api-r2") !== undefined)
        yield* running.stop
        releasePods()
        yield* Harness.until(sim, () => release(sim, ids.namespace, "api-r2")?.status?.availableReplicas === 1)
        expect(selectedRelease(sim, ids.namespace)).toBe(first.deploymentId)

        // The Deployment controller is busy when someone annotates the ready release (as `kubectl annotate` does).
        const resume = sim.hold("deployment-controller")
        const before = release(sim, ids.namespace, "api-r2")!
        sim.apply(
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "api-r2", namespace: ids.namespace, annotations: { "example.com/owner": "team-a" } },
          },
          "kubectl-annotate",
        )
        const annotated = release(sim, ids.namespace, "api-r2")!
        expect(annotated.metadata.generation).toBe((before.metadata.generation ?? 1) + 1)
        expect(annotated.status?.observedGeneration).toBe(before.metadata.generation)

        // From here every committed change is checked: the Service may select the release only once observed.
        const unobservedWhenSelected: Array<LiveDeployment> = []
        const stopWatching = sim.observe((event) => {
          if (event.object.kind !== "Service" || event.object.metadata.name !== "api") return
          if (selectedRelease(sim, ids.namespace) !== second.deploymentId) return
          const live = release(sim, ids.namespace, "api-r2")
          if ((live?.status?.observedGeneration ?? 0) < (live?.metadata.generation ?? 1))
            unobservedWhenSelected.push(live!)
        })

        // Shuttle comes back and passes over the service a few times while the controller lags.
        yield* running.start
        yield* Effect.sleep("2 seconds")
        expect(selectedRelease(sim, ids.namespace)).toBe(first.deploymentId)
        expect((yield* projects.observed(second.deploymentId))?.phase).not.toBe("ready")

        // Once the controller has looked, the release is complete and traffic moves.
        resume()
        yield* Harness.until(sim, () => selectedRelease(sim, ids.namespace) === second.deploymentId)
        yield* Harness.eventually(
          projects.observed(second.deploymentId).pipe(Effect.map((report) => report?.phase === "ready")),
        )
        stopWatching()
        expect(unobservedWhenSelected).toEqual([])
        const observed = release(sim, ids.namespace, "api-r2")!
        expect(observed.status?.observedGeneration).toBe(observed.metadata.generation)
      }).pipe(Effect.scoped),
    60_000,
  )
})
