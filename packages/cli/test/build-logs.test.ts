import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { Builds } from "@starform/builds"
import { Kube } from "@starform/kube"
import { Options } from "@starform/manifests"
import { KubeCluster, Settings, Shuttle, Starbase } from "@starform/shuttle"
import { TestDatabase } from "@starform/testkit"
import { Effect, Layer } from "effect"
// The whole-gateway GitHub world (a fake GitHub, builds on a simulated cluster whose pods the test scripts).
import { connected, start } from "../../../services/gateway/test/githubHarness.ts"
import * as Harness from "./harness.ts"

/**
 * `starform deploy` of a repository service builds it, printing the build log as it goes and returning once the
 * release is active; `starform logs --build` reads that build's log again.
 */

layer(TestDatabase.layer, { timeout: 120_000, excludeTestServices: true })("starform logs --build", (it) => {
  it.effect(
    "deploy streams the build log until the release is active; logs --build reads it again (as CI, with a token)",
    () =>
      Effect.gen(function* () {
        const world = yield* start
        const api = world.running.gatewayUrl
        const c = yield* connected(world, { owner: "babbage-works", installationId: 8201 })
        const service = yield* world.api.post(
          `/v1/environments/${c.environmentId}/services`,
          {
            name: "worker",
            type: "worker",
            source: { type: "repo", repoFullName: "babbage-works/api", branch: "main" },
            config: { buildCommand: "npm run build" },
          },
          c.ada.token,
        )
        expect(service.status).toBe(201)
        const sha = "c0ffee".padEnd(40, "0")
        world.github.addCommit("babbage-works/api", {
          sha,
          message: "Analytical engine",
          files: ["index.js"],
          parent: null,
        })
        world.github.setBranch("babbage-works/api", "main", sha)
        world.sim.pods.script(
          { labels: { [Builds.Job.component]: "build" } },
          {
            exit: { afterMs: 3000, exitCode: 0 },
            logs: [
              "::starform phase=cloning",
              { atMs: 500, line: "::starform phase=building" },
              { atMs: 1000, line: "$ npm run build" },
              { atMs: 1500, line: "compiled 12 files" },
              { atMs: 2000, line: "::starform phase=pushing" },
              { atMs: 2500, line: `::starform pushed digest=sha256:${"cd".repeat(32)} size=1048576` },
            ],
          },
        )

        // Shuttle reconciles the same simulated cluster, so the built release can become active.
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
            Layer.provide(Kube.layerFromOptions(world.sim.kubeConfig)),
            Layer.provide(
              Starbase.layer({
                url: world.running.projectsUrl,
                clusterId: c.cluster.cluster.id,
                token: c.cluster.token,
              }),
            ),
          ),
        )

        const ci = yield* world.api.post(
          `/v1/workspaces/${c.workspaceId}/tokens`,
          { name: "ci", scopes: ["deploy"], projectId: c.project.id },
          c.ada.token,
        )
        expect(ci.status).toBe(201)
        const machine = Harness.machine()
        writeFileSync(
          join(machine.folder, ".starform.json"),
          JSON.stringify({
            workspaceId: c.workspaceId,
            projectId: c.project.id,
            environmentId: c.environmentId,
            serviceId: service.body.id,
          }),
        )
        const asCi = { env: { STARFORM_TOKEN: ci.body.secret } }

        const deploy = yield* Harness.run(machine, api, ["deploy"], asCi)
        expect(deploy.code).toBe(0)
        expect(deploy.stderr).toContain("deployment #1: building\n")
        expect(deploy.stderr).toContain("$ npm run build\ncompiled 12 files\n")
        expect(deploy.stdout).toContain("Deployment #1 is active.")

        const history = JSON.parse((yield* Harness.run(machine, api, ["deployments", "--json"], asCi)).stdout)
        expect(history).toMatchObject([{ number: 1, trigger: "cli", status: "active" }])
        const logs = yield* Harness.run(machine, api, ["logs", "--build", "-f", "--deployment", history[0].id], asCi)
        expect(logs.code).toBe(0)
        expect(logs.stdout).toContain("$ npm run build\ncompiled 12 files\n")
        const latest = yield* Harness.run(machine, api, ["logs", "--build"], asCi)
        expect(latest.stdout).toBe(logs.stdout)
      }).pipe(Effect.scoped),
    90_000,
  )
})
