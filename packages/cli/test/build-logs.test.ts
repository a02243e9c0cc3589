import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { Builds } from "@starform/builds"
import { TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
// The whole-gateway GitHub world (a fake GitHub, builds on a simulated cluster whose pods the test scripts).
import { connected, start } from "../../../services/gateway/test/githubHarness.ts"
import * as Harness from "./harness.ts"

/** `starform deploy` of a repository service builds it; `starform logs --build -f` follows that build's log. */

layer(TestDatabase.layer, { timeout: 120_000, excludeTestServices: true })("starform logs --build", (it) => {
  it.effect(
    "follows a CLI-started build's log until the build ends, with an API token (CI)",
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

        const deploy = yield* Harness.run(machine, api, ["deploy", "--detach", "--json"], asCi)
        expect(deploy.code).toBe(0)
        const deployment = JSON.parse(deploy.stdout)
        expect(deployment).toMatchObject({ trigger: "cli", serviceId: service.body.id })

        const follow = yield* Harness.run(machine, api, ["logs", "--build", "-f", "--deployment", deployment.id], asCi)
        expect(follow.code).toBe(0)
        expect(follow.stdout).toContain("$ npm run build\ncompiled 12 files\n")

        // Once the build has ended, the log reads the same without following.
        const again = yield* Harness.run(machine, api, ["logs", "--build"], asCi)
        expect(again.code).toBe(0)
        expect(again.stdout).toBe(follow.stdout)
      }).pipe(Effect.scoped),
    90_000,
  )
})
