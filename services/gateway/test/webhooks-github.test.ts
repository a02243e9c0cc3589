import { expect, layer } from "@effect/vitest"
import { Builds } from "@starform/builds"
import { GithubPayloads, TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { connected, post, start } from "./githubHarness.ts"

/** GitHub's deliveries through the gateway: signatures checked, each delivery id processed once. */

const counts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ readonly deliveries: number; readonly deployments: number; readonly builds: number }>`
    SELECT (SELECT count(*)::int FROM webhook_deliveries) AS deliveries,
      (SELECT count(*)::int FROM deployments) AS deployments,
      (SELECT count(*)::int FROM builds) AS builds`
  return row!
})

layer(TestDatabase.layer, { timeout: 90_000, excludeTestServices: true })("POST /webhooks/github", (it) => {
  it.effect(
    "bad, missing and stale signatures are refused with 401 and create nothing; a push to an unmapped branch creates nothing; the same delivery 20 times (10 at once) makes one deployment and one build",
    () =>
      Effect.gen(function* () {
        const world = yield* start
        const base = world.running.gatewayUrl
        const c = yield* connected(world, { owner: "acme", installationId: 7001 })
        expect(c.setup.status).toBe(200)
        const service = yield* world.api.post(
          `/v1/environments/${c.environmentId}/services`,
          { name: "api", type: "worker", source: { type: "repo", repoFullName: "acme/api", branch: "main" } },
          c.ada.token,
        )
        expect(service.status).toBe(201)
        world.sim.pods.script(
          { labels: { [Builds.Job.component]: "build" } },
          { exit: { afterMs: 600_000, exitCode: 0 } },
        )

        const payload = GithubPayloads.push({ repoFullName: "acme/api", branch: "main", installationId: 7001 })
        const genuine = yield* Effect.promise(() => GithubPayloads.deliver("push", payload))
        const before = yield* counts

        // no signature at all
        const unsigned = { ...genuine, headers: { ...genuine.headers } }
        delete (unsigned.headers as Record<string, string>)["x-hub-signature-256"]
        const missing = yield* post(base, unsigned)
        expect(missing).toMatchObject({ status: 401, body: { code: "unauthenticated" } })
        expect(missing.body.message).toMatch(/no X-Hub-Signature-256/)
        // signed with another secret
        const forged = yield* Effect.promise(() =>
          GithubPayloads.deliver("push", payload, { secret: "not-the-secret" }),
        )
        expect((yield* post(base, forged)).status).toBe(401)
        // a real signature of another body: the body was altered after signing
        const altered = yield* post(base, { ...genuine, body: genuine.body.replace('"main"', '"evil"') })
        expect(altered.status).toBe(401)
        // stale: signed with the secret the app used before it was rotated
        const stale = yield* Effect.promise(() =>
          GithubPayloads.deliver("push", payload, { secret: `${GithubPayloads.testSecret}-previous` }),
        )
        expect((yield* post(base, stale)).status).toBe(401)
        // a malformed signature header
        expect((yield* post(base, genuine, { "x-hub-signature-256": "sha256=zz" })).status).toBe(401)
        expect(yield* counts).toEqual(before)

        // a push to a branch no environment deploys
        const unmapped = yield* Effect.promise(() =>
          GithubPayloads.deliver(
            "push",
            GithubPayloads.push({ repoFullName: "acme/api", branch: "feature/x", installationId: 7001 }),
          ),
        )
        const ignored = yield* post(base, unmapped)
        expect(ignored).toMatchObject({ status: 200, body: { status: "ignored", deploymentIds: [] } })
        const afterUnmapped = yield* counts
        expect([afterUnmapped.deployments, afterUnmapped.builds]).toEqual([before.deployments, before.builds])

        // exactly once: 10 copies at the same moment, then 10 redeliveries one by one
        const concurrent = yield* Effect.all(
          Array.from({ length: 10 }, () => post(base, genuine)),
          { concurrency: "unbounded" },
        )
        const sequential = yield* Effect.forEach(Array.from({ length: 10 }), () => post(base, genuine))
        const replies = [...concurrent, ...sequential]
        expect(replies.every((reply) => reply.status === 200)).toBe(true)
        expect(replies.filter((reply) => reply.body.status === "processed")).toHaveLength(1)
        expect(replies.filter((reply) => reply.body.status === "duplicate")).toHaveLength(19)
        const made = replies.find((reply) => reply.body.status === "processed")!.body.deploymentIds
        expect(made).toHaveLength(1)

        const sql = yield* SqlClient.SqlClient
        const builtFor = yield* Effect.gen(function* () {
          for (let i = 0; i < 100; i++) {
            const rows = yield* sql<{ readonly deploymentId: string }>`SELECT deployment_id FROM builds`
            if (rows.length > 0) return rows
            yield* Effect.sleep(50)
          }
          return []
        })
        yield* Effect.sleep(300)
        const after = yield* counts
        expect(after.deployments - before.deployments).toBe(1)
        expect(after.builds - before.builds).toBe(1)
        expect(builtFor.map((row) => row.deploymentId)).toEqual(made)
        const deliveries = yield* sql<{ readonly status: string; readonly deliveryId: string }>`
          SELECT status, delivery_id FROM webhook_deliveries WHERE delivery_id = ${genuine.id}`
        expect(deliveries).toEqual([{ status: "processed", deliveryId: genuine.id }])
      }).pipe(Effect.scoped),
  )
})
