import { expect, layer } from "@effect/vitest"
import { Builds } from "@starform/builds"
import { GithubPayloads } from "@starform/testkit"
import { DateTime, Effect, Fiber } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { eventually, repoService, script, succeeds, tenant, testLayer, World } from "./support.ts"

/**
 * Projects wakes builds: a deployment that starts waiting for its build is noticed when it commits (PostgreSQL
 * NOTIFY, migration 0052), not at the pipeline's next poll. The poll here is an hour away, so only the
 * notification can start these builds.
 */

const hour = 60 * 60 * 1000

/** The build Job of the deployment, once the simulated cluster has it. */
const buildJobOf = (deploymentId: string) =>
  Effect.map(Effect.service(World), (world) =>
    world.sim.cluster
      .list(world.sim.cluster.registry.lookup("batch/v1", "Job")!, Builds.Job.namespace, {
        labelSelector: `starform.io/deployment-id=${deploymentId}`,
      })
      .items.at(0),
  )

/** Deploys a fresh repository service through the projects service; how long from then until its build Job exists. */
const deployAndTime = Effect.gen(function* () {
  const world = yield* World
  const t = yield* tenant()
  const api = yield* repoService(t.environmentId, t.repo)
  const head = GithubPayloads.sha()
  world.github.addCommit(t.repo, { sha: head, message: "Latest", files: ["index.js"], parent: null })
  world.github.setBranch(t.repo, "main", head)
  yield* script(api.id, succeeds({ ms: 60_000 }))
  // whatever pass is running ends first: from here on, only a wake-up runs one
  yield* (yield* Builds.Pipeline.Pipeline).pass
  const deployment = yield* world.deployments.create(api.id, {}, "api", null)
  const started = Date.now()
  yield* eventually(buildJobOf(deployment.id), 10_000, `the build Job of ${deployment.id}`)
  return Date.now() - started
})

/** The backends LISTENing on the builds service's channel in this test's database. */
const listeners = Effect.flatMap(
  Effect.service(SqlClient.SqlClient),
  (sql) =>
    sql<{ readonly pid: number }>`
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND query LIKE ${`LISTEN %${Builds.Pipeline.channel}%`}`,
)

layer(testLayer({ pollMs: hour, watchMs: 40, retryBaseMs: 60 }), { timeout: 60_000, excludeTestServices: true })(
  "the pipeline, woken by projects",
  (it) => {
    it.effect("a deployment made while the next poll is an hour away gets its build Job within two seconds", () =>
      Effect.gen(function* () {
        const waited = yield* deployAndTime
        expect(waited).toBeLessThan(2000)
      }),
    )

    it.effect("when the listening connection drops, builds listens again and is still woken", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const before = yield* eventually(
          Effect.map(listeners, (rows) => (rows.length === 1 ? rows[0]! : undefined)),
          5_000,
          "builds to listen",
        )
        const dropped = yield* sql<{ readonly gone: boolean }>`SELECT pg_terminate_backend(${before.pid}) AS gone`
        expect(dropped[0]!.gone).toBe(true)
        const after = yield* eventually(
          Effect.map(listeners, (rows) => rows.find((row) => row.pid !== before.pid)),
          10_000,
          "builds to listen again",
        )
        expect(after.pid).not.toBe(before.pid)

        const waited = yield* deployAndTime
        expect(waited).toBeLessThan(2000)
      }),
    )
  },
)

/** The builds of the deployment, as the builds service stores them. */
const buildsOf = (deploymentId: string) =>
  Effect.flatMap(Effect.service(Builds.BuildStore.BuildStore), (store) => store.byDeployment(deploymentId))

/** A repository service of a fresh workspace whose next build Job runs for `ms` (simulated). */
const serviceBuildingFor = (ms: number) =>
  Effect.gen(function* () {
    const t = yield* tenant()
    const api = yield* repoService(t.environmentId, t.repo)
    yield* script(api.id, succeeds({ ms }))
    return api
  })

layer(testLayer({ pollMs: hour, watchMs: 40, retryBaseMs: 60 }), { timeout: 60_000, excludeTestServices: true })(
  "the pipeline, woken by projects, with no pass to help",
  (it) => {
    it.effect("a deployment cancelled in the projects service has its build called off within two seconds", () =>
      Effect.gen(function* () {
        const world = yield* World
        const api = yield* serviceBuildingFor(600_000)
        yield* (yield* Builds.Pipeline.Pipeline).pass
        const deployment = yield* world.deployments.create(api.id, { commitSha: GithubPayloads.sha() }, "api", null)
        yield* eventually(buildJobOf(deployment.id), 10_000, `the build Job of ${deployment.id}`)
        yield* world.deployments.cancel(deployment.id)
        const cancelled = Date.now()
        const [build] = yield* eventually(
          Effect.map(buildsOf(deployment.id), (rows) => (rows[0]?.status === "cancelled" ? rows : undefined)),
          10_000,
          "the build to be called off",
        )
        expect(Date.now() - cancelled).toBeLessThan(2000)
        expect(build!.failureReason).toBe("Cancelled: its deployment is cancelled.")
      }),
    )

    it.effect("a build that ends lets the next one of its workspace start at once (a hobby plan runs one)", () =>
      Effect.gen(function* () {
        const world = yield* World
        const t = yield* tenant({ plan: "hobby" })
        const [one, two] = [yield* repoService(t.environmentId, t.repo), yield* repoService(t.environmentId, t.repo)]
        yield* script(one.id, succeeds({ ms: 2_000 }))
        yield* script(two.id, succeeds({ ms: 600_000 }))
        yield* (yield* Builds.Pipeline.Pipeline).pass
        const first = yield* world.deployments.create(one.id, { commitSha: GithubPayloads.sha() }, "api", null)
        yield* eventually(buildJobOf(first.id), 10_000, `the build Job of ${first.id}`)
        const second = yield* world.deployments.create(two.id, { commitSha: GithubPayloads.sha() }, "api", null)
        const queued = yield* eventually(
          Effect.map(buildsOf(second.id), (rows) => (rows[0]?.waitingReason ? rows[0] : undefined)),
          10_000,
          "the second build to wait for the first",
        )
        expect(queued.status).toBe("queued")
        const firstEnded = yield* eventually(
          Effect.map(buildsOf(first.id), (rows) => rows[0]?.finishedAt ?? undefined),
          20_000,
          "the first build to end",
        )
        yield* eventually(buildJobOf(second.id), 10_000, `the build Job of ${second.id}`)
        expect(Date.now() - DateTime.toEpochMillis(firstEnded)).toBeLessThan(2000)
      }),
    )
  },
)

/** A pass over every waiting deployment is slow: the projects service takes `slowMs` to list them all. */
const slowMs = 4000

layer(
  testLayer({ pollMs: hour, watchMs: 40, retryBaseMs: 60 }, (client) => ({
    ...client,
    ListBuildingDeployments: (payload, options) =>
      payload.ids === undefined
        ? Effect.delay(client.ListBuildingDeployments(payload, options), slowMs)
        : client.ListBuildingDeployments(payload, options),
  })),
  { timeout: 60_000, excludeTestServices: true },
)("the pipeline, woken by projects, while a pass is slow", (it) => {
  it.effect("a notified deployment gets its build Job without waiting for a pass over every deployment", () =>
    Effect.gen(function* () {
      const world = yield* World
      const pipeline = yield* Builds.Pipeline.Pipeline
      const api = yield* serviceBuildingFor(600_000)
      const passing = yield* Effect.forkChild(pipeline.pass)
      const deployment = yield* world.deployments.create(api.id, { commitSha: GithubPayloads.sha() }, "api", null)
      const started = Date.now()
      yield* eventually(buildJobOf(deployment.id), 10_000, `the build Job of ${deployment.id}`)
      const waited = Date.now() - started
      // the pass is still listing: the build did not queue behind it
      expect(passing.pollUnsafe()).toBeUndefined()
      expect(waited).toBeLessThan(slowMs / 2)
      yield* Fiber.join(passing)
    }),
  )
})
