import { expect, layer } from "@effect/vitest"
import { Builds } from "@starform/builds"
import { Effect } from "effect"
import {
  deploymentOf,
  eventually,
  fails,
  push,
  repoService,
  script,
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
        for (let i = 1; i < steps.length; i++) expect(steps[i]!.at.getTime()).toBeGreaterThanOrEqual(steps[i - 1]!.at.getTime())

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
      expect(rows[1]!.notBefore.getTime()).toBeGreaterThanOrEqual(rows[0]!.finishedAt!.getTime() + 50)
      expect((yield* deploymentOf(outcome.deploymentIds[0]!)).status).toBe("deploying")
    }),
  )
})

