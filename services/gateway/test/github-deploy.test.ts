import { expect, layer } from "@effect/vitest"
import { Builds } from "@starform/builds"
import { DesiredState } from "@starform/domain"
import { Kube } from "@starform/kube"
import { Options } from "@starform/manifests"
import { KubeCluster, Settings, Shuttle, Starbase } from "@starform/shuttle"
import { GithubPayloads, TestDatabase } from "@starform/testkit"
import { Effect, Layer } from "effect"
import { connected, post, start } from "./githubHarness.ts"
import * as Harness from "./identityHarness.ts"

/**
 * The first deploy as a customer lives it, end to end through the gateway: sign up, connect GitHub (install link,
 * GitHub's setup callback), pick a repository, create a service from it, push; the build runs as a Job on the
 * simulated cluster, and Shuttle rolls the release out there until the deployment is active.
 */

const poll = <A>(check: Effect.Effect<A | undefined>, what: string, ms = 30_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms
    while (true) {
      const value = yield* check
      if (value !== undefined) return value
      if (Date.now() > deadline) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.sleep(100)
    }
  })

layer(TestDatabase.layer, { timeout: 120_000, excludeTestServices: true })(
  "connect Git → push → build → active",
  (it) => {
    it.effect("a push to the connected repository is built on the cluster and its deployment becomes active", () =>
      Effect.gen(function* () {
        const world = yield* start
        const { api, sim } = world
        const c = yield* connected(world, { owner: "lovelace-labs", installationId: 8101 })
        expect(c.link.status).toBe(201)
        expect(c.link.body.url).toMatch(/^https:\/\/github\.com\/apps\/starform-test\/installations\/new\?state=/)
        expect(c.setup).toMatchObject({
          status: 200,
          body: { workspaceId: c.workspaceId, installationId: 8101, accountLogin: "lovelace-labs", status: "active" },
        })
        const installations = yield* api.get(`/v1/workspaces/${c.workspaceId}/github/installations`, c.ada.token)
        expect(installations.body.map((i: { id: string }) => i.id)).toEqual([c.setup.body.id])
        const repos = yield* api.get(`/v1/github/installations/${c.setup.body.id}/repositories`, c.ada.token)
        expect(repos).toMatchObject({ status: 200, body: [{ fullName: "lovelace-labs/api", defaultBranch: "main" }] })

        // another person cannot see this workspace's installation, nor tamper with the setup callback
        const mallory = yield* Harness.signup(api, "Mallory")
        expect((yield* api.get(`/v1/github/installations/${c.setup.body.id}/repositories`, mallory.token)).status).toBe(
          404,
        )
        const forged = yield* api.get(`/v1/github/setup?installation_id=8101&state=${encodeURIComponent("e30.AAAA")}`)
        expect(forged).toMatchObject({ status: 400, body: { code: "validation_failed", field: "state" } })

        const service = yield* api.post(
          `/v1/environments/${c.environmentId}/services`,
          {
            name: "worker",
            type: "worker",
            source: { type: "repo", repoFullName: "lovelace-labs/api", branch: "main" },
            config: { buildCommand: "npm run build" },
          },
          c.ada.token,
        )
        expect(service.status).toBe(201)

        // Shuttle runs in the same simulated cluster, pulling the desired state with its cluster's token
        yield* Layer.build(
          Shuttle.layer({
            ...Settings.defaults,
            render: { ...Options.defaults, progressDeadlineSeconds: 60 },
            resyncMs: 1_000,
            pollWaitMs: 1_000,
            recheckMs: 100,
            retryCapMs: 250,
          }).pipe(
            Layer.provideMerge(KubeCluster.layer()),
            Layer.provide(Kube.layerFromOptions(sim.kubeConfig)),
            Layer.provide(
              Starbase.layer({
                url: world.running.projectsUrl,
                clusterId: c.cluster.cluster.id,
                token: c.cluster.token,
              }),
            ),
          ),
        )

        sim.pods.script(
          { labels: { [Builds.Job.component]: "build" } },
          {
            exit: { afterMs: 3000, exitCode: 0 },
            logs: [
              "::starform phase=cloning",
              { atMs: 500, line: "::starform phase=building" },
              { atMs: 1000, line: "$ npm run build" },
              { atMs: 2000, line: "::starform phase=pushing" },
              { atMs: 2500, line: `::starform pushed digest=sha256:${"ab".repeat(32)} size=73400320` },
            ],
          },
        )
        const delivery = yield* Effect.promise(() =>
          GithubPayloads.deliver(
            "push",
            GithubPayloads.push({
              repoFullName: "lovelace-labs/api",
              branch: "main",
              installationId: 8101,
              commits: [{ message: "First version", modified: ["index.js"] }],
            }),
          ),
        )
        const pushed = yield* post(world.running.gatewayUrl, delivery)
        expect(pushed).toMatchObject({ status: 200, body: { status: "processed" } })
        const [deploymentId] = pushed.body.deploymentIds as ReadonlyArray<string>

        const active = yield* poll(
          Effect.map(api.get(`/v1/deployments/${deploymentId}`, c.ada.token), (reply) =>
            reply.body.status === "active" ? reply.body : undefined,
          ),
          "the deployment to become active",
        )
        expect(active).toMatchObject({ trigger: "push", commitMessage: "First version", failureReason: null })
        expect(active.imageDigest).toBe(`sha256:${"ab".repeat(32)}`)

        const builds = yield* api.get(`/v1/deployments/${deploymentId}/builds`, c.ada.token)
        expect(builds.status).toBe(200)
        expect(builds.body).toHaveLength(1)
        const build = builds.body[0]
        expect(build).toMatchObject({ status: "succeeded", attempt: 1, imageSizeBytes: 73_400_320 })
        expect(build.transitions.map((t: { status: string }) => t.status)).toEqual([
          "queued",
          "cloning",
          "building",
          "pushing",
          "succeeded",
        ])
        const logs = yield* api.get(`/v1/builds/${build.id}/logs`, c.ada.token)
        expect(logs.body.complete).toBe(true)
        expect(logs.body.lines.map((l: { line: string }) => l.line)).toContain("$ npm run build")
        expect((yield* api.get(`/v1/builds/${build.id}`, mallory.token)).status).toBe(404)
        // the same log as server-sent events: replayed from the start, and the stream ends with the build
        const streamed = yield* Effect.promise(async () => {
          const response = await fetch(`${world.running.gatewayUrl}/v1/builds/${build.id}/logs/stream`, {
            headers: { authorization: `Bearer ${c.ada.token}` },
          })
          return { type: response.headers.get("content-type"), text: await response.text() }
        })
        expect(streamed.type).toMatch(/^text\/event-stream/)
        const events = streamed.text
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => JSON.parse(l.slice(5)).line as string)
        expect(events).toEqual(logs.body.lines.map((l: { line: string }) => l.line))

        // an ended build cannot be cancelled
        const cancel = yield* api.post(`/v1/builds/${build.id}/cancel`, undefined, c.ada.token)
        expect(cancel).toMatchObject({ status: 409, body: { code: "conflict" } })

        // build settings: a timeout up to the plan's maximum
        const settingsPath = `/v1/services/${service.body.id}/build-settings`
        expect((yield* api.get(settingsPath, c.ada.token)).body).toMatchObject({
          timeoutSeconds: 1800,
          default: true,
          maxTimeoutSeconds: 1800,
          imageSizeLimitBytes: 10_000_000_000,
          concurrentBuilds: 1,
        })
        const tooLong = yield* api.put(settingsPath, { timeoutSeconds: 3600 }, c.ada.token)
        expect(tooLong).toMatchObject({
          status: 400,
          body: {
            code: "validation_failed",
            field: "timeoutSeconds",
            rule: "range",
            message:
              "timeoutSeconds must be at most 1800 seconds (30 minutes) on the hobby plan; upgrade the plan for longer builds",
          },
        })
        const shorter = yield* api.put(settingsPath, { timeoutSeconds: 900 }, c.ada.token)
        expect(shorter).toMatchObject({ status: 200, body: { timeoutSeconds: 900, default: false } })
        expect((yield* api.put(settingsPath, { timeoutSeconds: 900 }, mallory.token)).status).toBe(404)

        // the release runs in the environment's namespace, from the image the build pushed
        const namespace = DesiredState.namespaceOf(c.environmentId as never)
        const workloads = sim.list("apps/v1", "Deployment", namespace) as unknown as ReadonlyArray<{
          spec: { template: { spec: { containers: ReadonlyArray<{ image: string }> } } }
        }>
        expect(workloads.map((d) => d.spec.template.spec.containers[0]!.image)).toEqual([
          DesiredState.imageOf(active.imageRef, active.imageDigest),
        ])
        expect(active.imageRef).toMatch(/^registry\.starform\.internal\//)
      }).pipe(Effect.scoped),
    )
  },
)
