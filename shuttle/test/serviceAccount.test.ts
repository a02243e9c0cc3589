import { describe, expect, it } from "@effect/vitest"
import { Kube } from "@starform/kube"
import { Effect } from "effect"
import * as Fixtures from "../../packages/manifests/test/fixtures.ts"
import * as Deployed from "./support/Deployed.ts"
import * as Harness from "./support/Harness.ts"

/**
 * Shuttle under the real `k8s/shuttle` RBAC, with the real `k8s/policy` admission policy in force: kube-sim
 * authenticates its ServiceAccount token and authorizes every request by the ClusterRole, as a cluster would.
 */

const shuttleUser = "system:serviceaccount:starform-system:shuttle"

describe("Shuttle as its ServiceAccount", () => {
  it.live(
    "deploys a web service with only what k8s/shuttle/rbac.yaml grants, its pods admitted by k8s/policy",
    () =>
      Effect.gen(function* () {
        const { sim, projects } = yield* Deployed.make(["shuttle", "policy"])
        const ids = Fixtures.environmentIds()
        const release = Fixtures.release(1)
        const service = Fixtures.service(ids, { scaling: { mode: "fixed", replicas: 2 }, drainingSeconds: 1, release })
        const seen = sim.record()
        yield* projects.publish([Fixtures.environment(ids, [service])])
        yield* Harness.eventually(
          projects.observed(release.deploymentId).pipe(Effect.map((report) => report?.phase === "ready")),
          30_000,
        )
        const requests = seen()
        expect(Harness.readyEndpoints(sim, ids.namespace, "api")).toHaveLength(2)
        // The pods the ReplicaSet created passed the label policy of their customer namespace.
        const namespace = sim.get("v1", "Namespace", undefined, ids.namespace)
        expect(namespace?.metadata.labels?.["starform.io/project-id"]).toBeDefined()
        for (const pod of sim.list("v1", "Pod", ids.namespace))
          expect(pod.metadata.labels?.["starform.io/deployment-id"]).toBe(release.deploymentId)
        // Shuttle wrote through the API (server-side apply), so RBAC judged each write.
        expect(requests.filter((r) => r.verb === "apply").length).toBeGreaterThan(3)

        // A new release replaces the first, which Shuttle then deletes: pruning is granted too.
        const second = Fixtures.release(2)
        const next = Fixtures.service(ids, {
          serviceId: service.serviceId,
          scaling: { mode: "fixed", replicas: 2 },
          drainingSeconds: 1,
          release: second,
          previousRelease: release,
        })
        yield* projects.publish([Fixtures.environment(ids, [next])])
        yield* Harness.eventually(
          projects.observed(second.deploymentId).pipe(Effect.map((report) => report?.phase === "ready")),
          30_000,
        )
        yield* Harness.until(
          sim,
          () =>
            sim
              .list("apps/v1", "Deployment", ids.namespace)
              .map((d) => d.metadata.name)
              .join() === "api-r2",
        )
        expect(sim.controllerErrors).toEqual([])
      }).pipe(Effect.scoped),
    60_000,
  )

  it.live(
    "is refused, 403 as on a real cluster, what its ClusterRole does not grant",
    () =>
      Effect.gen(function* () {
        const { sim, token, asShuttle } = yield* Deployed.make(["shuttle"])
        const refusal = <A, E>(effect: Effect.Effect<A, E, Kube>) => effect.pipe(Effect.flip, Effect.provide(asShuttle))
        // Its ClusterRole covers Secrets in every namespace (customer namespaces come and go), but not minting
        // tokens for another ServiceAccount, which would be a way around it.
        const minted = yield* Effect.promise(() =>
          fetch(`${sim.url}/api/v1/namespaces/kube-system/serviceaccounts/default/token`, {
            method: "POST",
            headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
            body: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} }),
          }).then(async (response) => ({ status: response.status, body: await response.json() })),
        )
        expect(minted).toMatchObject({
          status: 403,
          body: {
            kind: "Status",
            reason: "Forbidden",
            message: `serviceaccounts "default" is forbidden: User "${shuttleUser}" cannot create resource "serviceaccounts/token" in API group "" in the namespace "kube-system"`,
          },
        })
        const node = yield* refusal(
          Kube.use((kube) => kube.get({ apiVersion: "v1", kind: "Node", namespace: "", name: "sim-node-1" })),
        )
        expect(node).toMatchObject({
          _tag: "KubeRejected",
          status: 403,
          reason: "Forbidden",
          detail: `nodes "sim-node-1" is forbidden: User "${shuttleUser}" cannot get resource "nodes" in API group "" at the cluster scope`,
        })
        const clusterRole = yield* refusal(
          Kube.use((kube) =>
            kube.delete({
              apiVersion: "rbac.authorization.k8s.io/v1",
              kind: "ClusterRole",
              namespace: "",
              name: "starform-shuttle",
            }),
          ),
        )
        expect(clusterRole).toMatchObject({
          status: 403,
          detail: `clusterroles.rbac.authorization.k8s.io "starform-shuttle" is forbidden: User "${shuttleUser}" cannot delete resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope`,
        })
        const pod = yield* refusal(
          Kube.use((kube) =>
            kube.create({
              apiVersion: "v1",
              kind: "Pod",
              metadata: { name: "miner", namespace: "default" },
              spec: { containers: [{ name: "miner", image: "miner" }] },
            }),
          ),
        )
        expect(pod).toMatchObject({
          status: 403,
          detail: `pods is forbidden: User "${shuttleUser}" cannot create resource "pods" in API group "" in the namespace "default"`,
        })
        // What it is granted it may do: read the Secrets of its own namespace.
        const own = yield* Kube.use((kube) =>
          kube.list({ apiVersion: "v1", kind: "Secret", namespace: "starform-system" }),
        ).pipe(Effect.provide(asShuttle), Effect.orDie)
        expect(own.items).toBeDefined()
      }).pipe(Effect.scoped),
    60_000,
  )
})
