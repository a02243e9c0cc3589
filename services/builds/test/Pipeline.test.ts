import { expect, layer } from "@effect/vitest"
import { Builds } from "@starform/builds"
import { GithubPayloads } from "@starform/testkit"
import { DateTime, Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import {
  buildsFor,
  deploymentOf,
  eventually,
  fails,
  push,
  repoService,
  script,
  scriptPredeploy,
  succeeds,
  TestLayer,
  tenant,
  World,
} from "./support.ts"

const builds = (deploymentId: string) =>
  Effect.flatMap(Effect.service(Builds.BuildStore.BuildStore), (store) => store.byDeployment(deploymentId))

const ended = (deploymentId: string, attempts = 1) =>
  eventually(
    Effect.map(builds(deploymentId), (rows) =>
      rows.length >= attempts && rows.every((row) => row.reportedAt !== null) ? rows : undefined,
    ),
    20_000,
    `the builds of ${deploymentId} to end`,
  )

const transitions = (buildId: string) =>
  Effect.flatMap(Effect.service(Builds.BuildStore.BuildStore), (store) => store.transitions(buildId))

layer(TestLayer, { timeout: 120_000, excludeTestServices: true })("the build pipeline", (it) => {
  it.effect(
    "a push to the mapped branch builds each watching service on the cluster: every phase timestamped, the image handed to the deployment",
    () =>
      Effect.gen(function* () {
        const t = yield* tenant()
        const api = yield* repoService(t.environmentId, t.repo, { config: { buildCommand: "npm run build:prod" } })
        yield* script(api.id, succeeds())
        const outcome = yield* push({ repoFullName: t.repo, branch: "main", installationId: t.installationId })
        expect(outcome).toMatchObject({ status: "processed", deploymentIds: [expect.any(String)] })
        const deploymentId = outcome.deploymentIds[0]!

        const [build] = yield* ended(deploymentId)
        expect(build).toMatchObject({ status: "succeeded", attempt: 1, failureKind: null })
        expect(build!.imageDigest).toMatch(/^sha256:/)
        expect(Number(build!.imageSizeBytes)).toBe(123_456_789)
        const steps = yield* transitions(build!.id)
        expect(steps.map((s) => s.status)).toEqual(["queued", "cloning", "building", "pushing", "succeeded"])
        for (let i = 1; i < steps.length; i++)
          expect(DateTime.toEpochMillis(steps[i]!.at)).toBeGreaterThanOrEqual(DateTime.toEpochMillis(steps[i - 1]!.at))

        const deployment = yield* deploymentOf(deploymentId)
        expect(deployment.status).toBe("deploying")
        expect(deployment.imageRef).toBe(build!.imageRef)
        expect(deployment.imageDigest).toBe(build!.imageDigest)

        // the Job ran Railpack with the service's build command, and its output is the build's log
        const logs = yield* Effect.service(Builds.BuildLogs.BuildLogs)
        const lines = (yield* logs.read(build!.id, 0, 1000)).map((l) => l.line)
        expect(lines).toContain("$ npm run build")
        expect(lines.some((l) => l.includes("succeeded"))).toBe(true)
        const world = yield* World
        const jobs = world.sim.cluster.list(
          world.sim.cluster.registry.lookup("batch/v1", "Job")!,
          Builds.Job.namespace,
          {},
        )
        // finished Jobs are removed with their token Secret
        expect(jobs.items.filter((j) => j.metadata.name === build!.runnerJob)).toEqual([])
      }),
  )

  it.effect("a user fault fails at once with a reason to act on, and the deployment fails with it", () =>
    Effect.gen(function* () {
      const t = yield* tenant()
      const api = yield* repoService(t.environmentId, t.repo, { config: { buildCommand: "npm run build" } })
      yield* script(api.id, fails("build-command", 14))
      const outcome = yield* push({ repoFullName: t.repo, branch: "main", installationId: t.installationId })
      const [build, ...more] = yield* ended(outcome.deploymentIds[0]!)
      expect(more).toEqual([])
      expect(build).toMatchObject({
        status: "failed",
        failureKind: "user",
        failureReason:
          "The build command `npm run build` exited with code 14. See the build log for the first error, fix it and push again.",
      })
      const deployment = yield* deploymentOf(outcome.deploymentIds[0]!)
      expect(deployment.status).toBe("failed")
      expect(deployment.failureReason).toContain("npm run build` exited with code 14")
    }),
  )

  it.effect("an infrastructure fault is retried as a new attempt after a backoff, and the retry can succeed", () =>
    Effect.gen(function* () {
      const t = yield* tenant()
      const api = yield* repoService(t.environmentId, t.repo)
      // the newest script is used first: attempt 1 meets a registry outage, attempt 2 a healthy registry
      yield* script(api.id, succeeds())
      yield* script(api.id, fails("registry", 15))
      const outcome = yield* push({ repoFullName: t.repo, branch: "main", installationId: t.installationId })
      const rows = yield* ended(outcome.deploymentIds[0]!, 2)
      expect(rows.map((r) => [r.attempt, r.status, r.failureKind])).toEqual([
        [1, "failed", "infrastructure"],
        [2, "succeeded", null],
      ])
      expect(rows[0]!.failureReason).toMatch(/registry did not accept the push.*retried automatically/)
      expect(DateTime.toEpochMillis(rows[1]!.notBefore)).toBeGreaterThanOrEqual(
        DateTime.toEpochMillis(rows[0]!.finishedAt!) + 50,
      )
      expect((yield* deploymentOf(outcome.deploymentIds[0]!)).status).toBe("deploying")
    }),
  )

  it.effect("a deploy made from the API without a commit builds the head of the service's branch", () =>
    Effect.gen(function* () {
      const world = yield* World
      const t = yield* tenant()
      const api = yield* repoService(t.environmentId, t.repo)
      const head = GithubPayloads.sha()
      world.github.addCommit(t.repo, { sha: head, message: "Latest", files: ["index.js"], parent: null })
      world.github.setBranch(t.repo, "main", head)
      yield* script(api.id, succeeds())
      const deployment = yield* world.deployments.create(api.id, {}, "api", null)
      yield* (yield* Effect.service(Builds.Pipeline.Pipeline)).wake
      const [build] = yield* ended(deployment.id)
      expect(build).toMatchObject({ status: "succeeded", commitSha: head })
    }),
  )

  it.effect(
    "a delivery whose processing failed, or whose processor died, is processed again when GitHub redelivers it",
    () =>
      Effect.gen(function* () {
        const t = yield* tenant()
        const api = yield* repoService(t.environmentId, t.repo)
        yield* script(api.id, succeeds(), 2)
        const events = yield* Effect.service(Builds.GithubEvents.GithubEvents)
        // a body that is not a push as GitHub sends it: refused, and recorded as failed
        const broken = yield* Effect.flip(
          events.receive({ deliveryId: `broken-${t.installationId}`, event: "push", body: JSON.stringify({ ref: 1 }) }),
        )
        expect(broken).toMatchObject({ _tag: "ValidationFailed" })
        const sql = yield* SqlClient.SqlClient
        const [failed] = yield* sql<{ readonly status: string }>`
        SELECT status FROM webhook_deliveries WHERE delivery_id = ${`broken-${t.installationId}`}`
        expect(failed!.status).toBe("failed")
        // its redelivery (a good body under the same id) is claimed again and processed
        const redelivered = yield* push({
          repoFullName: t.repo,
          branch: "main",
          installationId: t.installationId,
          deliveryId: `broken-${t.installationId}`,
        })
        expect(redelivered.status).toBe("processed")
        // a claim left "received" by a processor that died five minutes ago is taken over
        const deliveryId = `orphaned-${t.installationId}`
        yield* sql`INSERT INTO webhook_deliveries (id, provider, delivery_id, event, status, received_at)
        VALUES (${`whd_${"0".repeat(9)}${t.installationId}${"a".repeat(11)}`}, 'github', ${deliveryId}, 'push', 'received',
          now() - interval '6 minutes')`
        const taken = yield* push({
          repoFullName: t.repo,
          branch: "main",
          installationId: t.installationId,
          deliveryId,
        })
        expect(taken.status).toBe("processed")
        // once processed, another copy is a duplicate
        const again = yield* push({
          repoFullName: t.repo,
          branch: "main",
          installationId: t.installationId,
          deliveryId,
        })
        expect(again.status).toBe("duplicate")
      }),
  )

  it.effect("an image over the size limit fails the build as the user's, naming both sizes", () =>
    Effect.gen(function* () {
      const t = yield* tenant()
      const api = yield* repoService(t.environmentId, t.repo)
      yield* script(api.id, succeeds({ sizeBytes: 11_000_000_000 }))
      const outcome = yield* push({ repoFullName: t.repo, branch: "main", installationId: t.installationId })
      const [build] = yield* ended(outcome.deploymentIds[0]!)
      expect(build).toMatchObject({ status: "failed", failureKind: "user" })
      expect(build!.failureReason).toMatch(/^The image is 11\.0 GB, over the 10\.0 GB limit/)
      expect((yield* deploymentOf(outcome.deploymentIds[0]!)).status).toBe("failed")
    }),
  )

  it.effect("a build past its deadline is timed out: its Job is stopped and the deployment fails with the reason", () =>
    Effect.gen(function* () {
      const t = yield* tenant()
      const api = yield* repoService(t.environmentId, t.repo)
      yield* script(api.id, buildsFor(3_600_000))
      const outcome = yield* push({ repoFullName: t.repo, branch: "main", installationId: t.installationId })
      const running = yield* eventually(
        Effect.map(builds(outcome.deploymentIds[0]!), (rows) => rows.find((r) => r.status === "building")),
        15_000,
        "the build to be building",
      )
      expect(running.timeoutSeconds).toBe(1800)
      // thirty minutes pass
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE builds SET deadline_at = now() WHERE id = ${running.id}`
      const [build] = yield* ended(outcome.deploymentIds[0]!)
      expect(build).toMatchObject({ status: "timed_out", failureKind: "user" })
      expect(build!.failureReason).toMatch(/did not finish within its 30 minutes timeout/)
      expect((yield* deploymentOf(outcome.deploymentIds[0]!)).status).toBe("failed")
      const world = yield* World
      const jobs = world.sim.cluster.list(
        world.sim.cluster.registry.lookup("batch/v1", "Job")!,
        Builds.Job.namespace,
        {},
      )
      expect(jobs.items.map((j) => j.metadata.name)).not.toContain(running.runnerJob)
    }),
  )

  it.effect("a newer push to the same service cancels the build in progress, and the newer one is built", () =>
    Effect.gen(function* () {
      const t = yield* tenant()
      const api = yield* repoService(t.environmentId, t.repo)
      yield* script(api.id, succeeds())
      yield* script(api.id, buildsFor(3_600_000))
      const first = yield* push({ repoFullName: t.repo, branch: "main", installationId: t.installationId })
      const older = yield* eventually(
        Effect.map(builds(first.deploymentIds[0]!), (rows) => rows.find((r) => r.status === "building")),
        15_000,
        "the first build to be building",
      )
      const second = yield* push({ repoFullName: t.repo, branch: "main", installationId: t.installationId })
      expect(second.status).toBe("processed")
      const [cancelled] = yield* ended(first.deploymentIds[0]!)
      expect(cancelled).toMatchObject({ id: older.id, status: "cancelled", failureKind: null })
      expect(cancelled!.failureReason).toMatch(/^Cancelled: deploy #2 \(\w{7}\), a newer push, replaces it\.$/)
      expect((yield* deploymentOf(first.deploymentIds[0]!)).status).toBe("cancelled")
      const [built] = yield* ended(second.deploymentIds[0]!)
      expect(built!.status).toBe("succeeded")
      expect((yield* deploymentOf(second.deploymentIds[0]!)).status).toBe("deploying")
    }),
  )

  it.effect(
    "a failing pre-deploy command fails the deployment before release, and the previous release keeps serving",
    () =>
      Effect.gen(function* () {
        const world = yield* World
        const t = yield* tenant()
        const api = yield* repoService(t.environmentId, t.repo, { config: { preDeployCommand: "npm run migrate" } })
        yield* script(api.id, succeeds(), 2)
        yield* scriptPredeploy(api.id, { exit: { afterMs: 1000, exitCode: 0 }, logs: ["migrated 3 tables"] })
        const first = yield* push({ repoFullName: t.repo, branch: "main", installationId: t.installationId })
        const released = yield* eventually(
          Effect.map(deploymentOf(first.deploymentIds[0]!), (d) => (d.status === "deploying" ? d : undefined)),
          20_000,
          "the first release to go to the cluster",
        )
        const [firstBuild] = yield* builds(released.id)
        expect(firstBuild).toMatchObject({ status: "succeeded", predeployStatus: "succeeded" })
        // Shuttle reports the first release ready: it serves
        yield* world.deployments.activate(released.id)
        expect((yield* deploymentOf(released.id)).status).toBe("active")

        yield* scriptPredeploy(api.id, {
          exit: { afterMs: 1000, exitCode: 3 },
          logs: ["running migrations", { atMs: 500, line: "error: relation users already exists" }],
        })
        const second = yield* push({ repoFullName: t.repo, branch: "main", installationId: t.installationId })
        const failed = yield* eventually(
          Effect.map(deploymentOf(second.deploymentIds[0]!), (d) => (d.status === "failed" ? d : undefined)),
          20_000,
          "the second deployment to fail",
        )
        expect(failed.failureReason).toMatch(
          /pre-deploy command `npm run migrate` exited with code 3; this release was not deployed and the previous one keeps serving/,
        )
        expect((yield* deploymentOf(released.id)).status).toBe("active")
        const [secondBuild] = yield* builds(second.deploymentIds[0]!)
        expect(secondBuild).toMatchObject({ status: "succeeded", predeployStatus: "failed" })
        const logs = yield* Effect.service(Builds.BuildLogs.BuildLogs)
        const lines = yield* logs.read(secondBuild!.id, 0, 1000)
        expect(lines.filter((l) => l.stream === "predeploy").map((l) => l.line)).toEqual([
          "running migrations",
          "error: relation users already exists",
        ])
      }),
  )

  it.effect(
    "the pre-deploy Job of a first release runs with that release's variables, in a Secret that goes with the Job",
    () =>
      Effect.gen(function* () {
        const world = yield* World
        const t = yield* tenant()
        const api = yield* repoService(t.environmentId, t.repo, { config: { preDeployCommand: "npm run migrate" } })
        const projects = yield* Builds.Projects.Projects
        yield* projects.SetServiceVariables({
          serviceId: api.id,
          variables: { DATABASE_URL: "postgres://app:s3cret@db:5432/app", LOG_LEVEL: "debug" } as never,
        })
        yield* script(api.id, succeeds())
        yield* scriptPredeploy(api.id, { exit: { afterMs: 4000, exitCode: 0 }, logs: ["migrated"] })
        const first = yield* push({ repoFullName: t.repo, branch: "main", installationId: t.installationId })
        const cluster = world.sim.cluster
        const secrets = cluster.resource("v1", "Secret")
        const jobs = cluster.resource("batch/v1", "Job")
        const predeployOf = (type: typeof jobs) =>
          cluster
            .list(type, undefined, {})
            .items.filter(
              (o) =>
                o.metadata.labels?.[Builds.Job.component] === "predeploy" &&
                o.metadata.labels?.["starform.io/deployment-id"] === first.deploymentIds[0],
            )
        const running = yield* eventually(
          Effect.sync(() => {
            const [job] = predeployOf(jobs)
            const [secret] = predeployOf(secrets)
            return job !== undefined && secret?.metadata.ownerReferences !== undefined ? { job, secret } : undefined
          }),
          20_000,
          "the pre-deploy Job and its Secret",
        )
        // no release has rolled out: the service's own variables Secret does not exist
        expect(cluster.find(secrets, running.job.metadata.namespace, `${api.name}-env`)).toBeUndefined()
        const container = (
          running.job as unknown as { spec: { template: { spec: { containers: Array<{ envFrom: unknown }> } } } }
        ).spec.template.spec.containers[0]!
        expect(container.envFrom).toEqual([{ secretRef: { name: running.secret.metadata.name } }])
        expect(running.secret.metadata.namespace).toBe(running.job.metadata.namespace)
        const data = (running.secret as unknown as { data: Record<string, string> }).data
        expect(
          Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")])),
        ).toEqual({ DATABASE_URL: "postgres://app:s3cret@db:5432/app", LOG_LEVEL: "debug" })
        expect(running.secret.metadata.ownerReferences).toEqual([
          expect.objectContaining({ kind: "Job", name: running.job.metadata.name, uid: running.job.metadata.uid }),
        ])
        yield* eventually(
          Effect.map(deploymentOf(first.deploymentIds[0]!), (d) => (d.status === "deploying" ? d : undefined)),
          20_000,
          "the release to go to the cluster",
        )
        // the Job is over and gone, and its Secret with it
        yield* eventually(
          Effect.sync(() => (predeployOf(jobs).length === 0 && predeployOf(secrets).length === 0 ? true : undefined)),
          10_000,
          "the pre-deploy Job and its Secret to be gone",
        )
      }),
  )

  it.effect("a workspace at its plan's concurrent-build limit queues the excess and says why", () =>
    Effect.gen(function* () {
      const t = yield* tenant({ plan: "hobby" })
      const api = yield* repoService(t.environmentId, t.repo)
      const web = yield* repoService(t.environmentId, t.repo)
      yield* script(api.id, buildsFor(5_000))
      yield* script(web.id, buildsFor(5_000))
      const outcome = yield* push({ repoFullName: t.repo, branch: "main", installationId: t.installationId })
      expect(outcome.deploymentIds).toHaveLength(2)
      const waiting = yield* eventually(
        Effect.gen(function* () {
          const rows = (yield* Effect.forEach(outcome.deploymentIds, builds)).flat()
          const started = rows.filter((r) => r.status !== "queued")
          const queued = rows.filter((r) => r.status === "queued" && r.waitingReason !== null)
          return started.length === 1 && queued.length === 1 ? queued[0] : undefined
        }),
        15_000,
        "one build running and one waiting",
      )
      expect(waiting.waitingReason).toBe(
        "Waiting for a build slot: 1 of 1 concurrent build allowed on the hobby plan is running; this build starts when one finishes.",
      )
      for (const id of outcome.deploymentIds) expect((yield* ended(id))[0]!.status).toBe("succeeded")
    }),
  )

  it.effect("a push deploys only services whose root directory it touched; an unmapped branch deploys nothing", () =>
    Effect.gen(function* () {
      const t = yield* tenant()
      const api = yield* repoService(t.environmentId, t.repo, { rootDirectory: "/apps/api" })
      const web = yield* repoService(t.environmentId, t.repo, { rootDirectory: "/apps/web" })
      yield* script(web.id, succeeds())
      const outcome = yield* push({
        repoFullName: t.repo,
        branch: "main",
        installationId: t.installationId,
        commits: [{ modified: ["apps/web/src/index.ts"] }, { added: ["README.md"] }],
      })
      expect(outcome.deploymentIds).toHaveLength(1)
      expect((yield* deploymentOf(outcome.deploymentIds[0]!)).serviceId).toBe(web.id)
      const world = yield* World
      expect(yield* world.deployments.list(api.id, 10)).toEqual([])

      const unmapped = yield* push({ repoFullName: t.repo, branch: "feature/login", installationId: t.installationId })
      expect(unmapped).toMatchObject({ status: "ignored", deploymentIds: [] })
      expect(unmapped.detail).toMatch(/from branch feature\/login/)
      expect(yield* world.deployments.list(web.id, 10)).toHaveLength(1)
    }),
  )

  it.effect("uninstalling the app turns auto-deploy off with a visible reason; pushes then deploy nothing", () =>
    Effect.gen(function* () {
      const world = yield* World
      const t = yield* tenant()
      const api = yield* repoService(t.environmentId, t.repo)
      const events = yield* Effect.service(Builds.GithubEvents.GithubEvents)
      const suspend = GithubPayloads.installation({
        action: "suspend",
        installationId: t.installationId,
        account: { login: t.owner, id: t.installationId },
      })
      const suspended = yield* events.receive({
        deliveryId: `s-${t.installationId}`,
        event: "installation",
        body: JSON.stringify(suspend),
      })
      expect(suspended.detail).toMatch(/auto-deploy turned off for 1 service/)
      expect(yield* world.services.get(api.id)).toMatchObject({
        autoDeploy: false,
        autoDeployDisabledReason: expect.stringMatching(/is suspended on .*Unsuspend it/),
      })
      const unsuspend = { ...suspend, action: "unsuspend" }
      yield* events.receive({
        deliveryId: `u-${t.installationId}`,
        event: "installation",
        body: JSON.stringify(unsuspend),
      })
      expect(yield* world.services.get(api.id)).toMatchObject({ autoDeploy: true, autoDeployDisabledReason: null })

      const removed = { ...suspend, action: "deleted" }
      yield* events.receive({
        deliveryId: `d-${t.installationId}`,
        event: "installation",
        body: JSON.stringify(removed),
      })
      expect(yield* world.services.get(api.id)).toMatchObject({
        autoDeploy: false,
        autoDeployDisabledReason: expect.stringMatching(/uninstalled from .* Reinstall the app/),
      })
      const after = yield* push({ repoFullName: t.repo, branch: "main", installationId: t.installationId })
      expect(after).toMatchObject({ status: "ignored", deploymentIds: [] })
      expect(yield* world.deployments.list(api.id, 10)).toEqual([])
    }),
  )
})
