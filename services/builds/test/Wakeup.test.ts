import { expect, layer } from "@effect/vitest"
import { Builds } from "@starform/builds"
import { GithubPayloads } from "@starform/testkit"
import { Effect } from "effect"
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
