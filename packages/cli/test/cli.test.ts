import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { TestDatabase } from "@starform/testkit"
import { Duration, Effect } from "effect"
import { exitCodes } from "../src/Failure.ts"
import * as Harness from "./harness.ts"

/** The spawned CLI against a running Starbase, the way a person uses it from a folder. */

const identity = { deviceCodeInterval: Duration.seconds(1), deviceCodeLifetime: Duration.seconds(6) }

/** Exactly one line on stderr that says `pattern`. */
const oneLine = (stderr: string, pattern: RegExp) => {
  expect(stderr.trim().split("\n")).toHaveLength(1)
  expect(stderr).toMatch(pattern)
}

layer(TestDatabase.layer, { timeout: 180_000, excludeTestServices: true })("starform, the CLI", (it) => {
  it.effect(
    "login → init → service → deploy → variables → redeploy → rollback → status → logout",
    () =>
      Effect.gen(function* () {
        const running = yield* Harness.start(identity)
        const api = running.gatewayUrl
        const ada = yield* Harness.person(api)
        const laptop = Harness.machine()
        const starform = (...args: Array<string>) => Harness.run(laptop, api, args)

        const { result: login, approved } = yield* Harness.login(laptop, api, ada.token)
        expect(approved?.status).toBe(200)
        expect(login.code).toBe(0)
        expect(login.stdout).toContain(`Signed in as ${ada.email}`)
        const credentials = join(laptop.config, "starform", "credentials.json")
        expect(statSync(credentials).mode & 0o777).toBe(0o600)

        const whoami = yield* starform("whoami", "--json")
        expect(whoami.code).toBe(0)
        expect(JSON.parse(whoami.stdout)).toMatchObject({ email: ada.email })

        const init = yield* starform("init", "shop")
        expect(init.code).toBe(0)
        const link = JSON.parse(readFileSync(join(laptop.folder, ".starform.json"), "utf8"))
        expect(link).toMatchObject({ workspaceId: ada.workspaceId, serviceId: null })

        const created = yield* starform("service", "create", "--name", "web", "--image", "nginx:1.27", "--port", "80")
        expect(created.code).toBe(0)

        const first = yield* starform("deploy", "--image", "nginx:1.27")
        expect(first.code).toBe(0)
        expect(first.stdout).toContain("Deployment #1 is active.")

        const set = yield* starform("variables", "set", "GREETING=hello world", "PORT=80")
        expect(set.code).toBe(0)
        const masked = yield* starform("variables", "--json")
        expect(JSON.parse(masked.stdout).map((v: { key: string; value: string }) => [v.key, v.value])).toEqual([
          ["GREETING", "••••••••"],
          ["PORT", "••••••••"],
        ])
        const kv = yield* starform("variables", "--kv")
        expect(kv.stdout).toBe("GREETING='hello world'\nPORT='80'\n")

        // A local command with the service's variables; its exit code is the CLI's.
        const ran = yield* starform(
          "run",
          "--",
          process.execPath,
          "-e",
          "process.stdout.write(process.env.GREETING); process.exit(3)",
        )
        expect(ran.stdout).toBe("hello world")
        expect(ran.code).toBe(3)

        const redeploy = yield* starform("redeploy", "--json")
        expect(redeploy.code).toBe(0)
        expect(JSON.parse(redeploy.stdout)).toMatchObject({ number: 2, status: "active", trigger: "redeploy" })

        const rollback = yield* starform("rollback", "--json")
        expect(rollback.code).toBe(0)
        const rolledBack = JSON.parse(rollback.stdout)
        expect(rolledBack).toMatchObject({ number: 3, status: "active", trigger: "rollback" })

        const status = yield* starform("status", "--json")
        expect(status.code).toBe(0)
        const parsed = JSON.parse(status.stdout)
        expect(parsed.project.name).toBe("shop")
        expect(parsed.environment.name).toBe("production")
        expect(parsed.services).toHaveLength(1)
        expect(parsed.services[0].service).toMatchObject({ name: "web", activeDeploymentId: rolledBack.id })
        expect(parsed.services[0].activeDeployment).toMatchObject({
          number: 3,
          status: "active",
          imageRef: "nginx:1.27",
        })

        const history = yield* starform("deployments", "--json")
        expect(
          JSON.parse(history.stdout).map((d: { number: number; trigger: string }) => [d.number, d.trigger]),
        ).toEqual([
          [3, "rollback"],
          [2, "redeploy"],
          [1, "cli"],
        ])

        const staging = yield* starform("environment", "new", "staging")
        expect(staging.code).toBe(0)
        const environments = yield* starform("environment", "list", "--json")
        expect(
          JSON.parse(environments.stdout)
            .map((e: { name: string }) => e.name)
            .sort(),
        ).toEqual(["production", "staging"])
        const stagingStatus = JSON.parse((yield* starform("status", "--json")).stdout)
        expect(stagingStatus.environment.name).toBe("staging")
        expect(stagingStatus.services).toEqual([])
        expect((yield* starform("environment", "link", "production")).code).toBe(0)
        const back = yield* starform("environment", "link", "nowhere")
        expect(back.code).toBe(exitCodes.notFound)
        oneLine(
          back.stderr,
          /No environment named nowhere .*production, staging|No environment named nowhere .*staging, production/,
        )

        // An image deployment has no build: the log says so and the command still succeeds.
        const logs = yield* starform("logs", "--build")
        expect(logs.code).toBe(0)
        expect(logs.stderr).toContain("has no build")

        const logout = yield* starform("logout")
        expect(logout.code).toBe(0)
        expect(existsSync(credentials)).toBe(false)
        const after = yield* starform("whoami")
        expect(after.code).toBe(exitCodes.unauthenticated)
        oneLine(after.stderr, /Not signed in/)
      }).pipe(Effect.scoped),
    180_000,
  )

  it.effect(
    "bad input: one line, a meaningful exit code, and nothing created",
    () =>
      Effect.gen(function* () {
        const running = yield* Harness.start(identity)
        const api = running.gatewayUrl
        const ada = yield* Harness.person(api)
        const laptop = Harness.machine()
        const starform = (...args: Array<string>) => Harness.run(laptop, api, args)

        const unlinked = yield* starform("status")
        expect(unlinked.code).toBe(exitCodes.notLinked)
        oneLine(unlinked.stderr, /not linked/)

        // Ctrl-C while waiting for approval: exit 130, no stack trace, nothing stored.
        const interrupted = yield* Harness.run(laptop, api, ["login", "--browserless"], {
          interruptWhen: /Waiting for approval/,
        })
        expect(interrupted.code).toBe(exitCodes.interrupted)
        expect(interrupted.stderr).toBe("")

        // Nobody approves: the code expires, and the CLI stores nothing.
        const expired = yield* starform("login", "--browserless")
        expect(expired.code).toBe(exitCodes.failed)
        oneLine(expired.stderr, /expired/)
        expect(existsSync(join(laptop.config, "starform", "credentials.json"))).toBe(false)

        const { result: login } = yield* Harness.login(laptop, api, ada.token)
        expect(login.code).toBe(0)
        expect((yield* starform("init", "shop")).code).toBe(0)
        expect((yield* starform("service", "create", "--name", "web", "--image", "nginx:1.27")).code).toBe(0)

        const wrongService = yield* starform("deploy", "--image", "nginx:1.27", "--service", "nope", "--detach")
        expect(wrongService.code).toBe(exitCodes.notFound)
        oneLine(wrongService.stderr, /No service named nope .*web/)
        const history = yield* starform("deployments", "--json")
        expect(JSON.parse(history.stdout)).toEqual([])

        const badPair = yield* starform("variables", "set", "no-equals-sign")
        expect(badPair.code).toBe(exitCodes.usage)
        oneLine(badPair.stderr, /is not KEY=VALUE/)

        const link = JSON.parse(readFileSync(join(laptop.folder, ".starform.json"), "utf8"))
        const token = yield* Harness.request(
          api,
          "POST",
          `/v1/workspaces/${ada.workspaceId}/tokens`,
          { name: "ci", scopes: ["deploy"], projectId: link.projectId },
          ada.token,
        )
        expect(token.status).toBe(201)
        const asCi = { env: { STARFORM_TOKEN: token.body.secret } }

        const ciStatus = yield* Harness.run(laptop, api, ["status", "--json"], asCi)
        expect(ciStatus.code).toBe(0)
        const listed = yield* starform("tokens", "--json")
        expect(JSON.parse(listed.stdout)).toMatchObject([{ name: "ci", scopes: ["deploy"], projectId: link.projectId }])
        expect(listed.stdout).not.toContain(token.body.secret)

        // A token scoped to this project cannot act on another of the workspace: it is not even found.
        const otherProject = yield* Harness.request(
          api,
          "POST",
          `/v1/workspaces/${ada.workspaceId}/projects`,
          { name: "other" },
          ada.token,
        )
        const otherEnvironments = yield* Harness.request(
          api,
          "GET",
          `/v1/projects/${otherProject.body.id}/environments`,
          undefined,
          ada.token,
        )
        const otherService = yield* Harness.request(
          api,
          "POST",
          `/v1/environments/${otherEnvironments.body[0].id}/services`,
          { name: "api", type: "worker", source: { type: "image", imageRef: "busybox:1" } },
          ada.token,
        )
        expect(otherService.status).toBe(201)
        const otherFolder = join(laptop.home, "other")
        mkdirSync(otherFolder)
        writeFileSync(
          join(otherFolder, ".starform.json"),
          JSON.stringify({
            workspaceId: ada.workspaceId,
            projectId: otherProject.body.id,
            environmentId: otherEnvironments.body[0].id,
            serviceId: otherService.body.id,
          }),
        )
        const crossDeploy = yield* Harness.run(laptop, api, ["deploy", "-i", "busybox:1", "--detach"], {
          ...asCi,
          cwd: otherFolder,
        })
        expect(crossDeploy.code).toBe(exitCodes.notFound)
        oneLine(crossDeploy.stderr, /^error: No .* was found/)
        const otherHistory = yield* Harness.request(
          api,
          "GET",
          `/v1/services/${otherService.body.id}/deployments`,
          undefined,
          ada.token,
        )
        expect(otherHistory.body).toEqual([])

        // A revoked token stops working at once.
        expect(
          (yield* Harness.request(api, "DELETE", `/v1/tokens/${token.body.token.id}`, undefined, ada.token)).status,
        ).toBe(204)
        const revoked = yield* Harness.run(laptop, api, ["status"], asCi)
        expect(revoked.code).toBe(exitCodes.unauthenticated)
        oneLine(revoked.stderr, /login/)
      }).pipe(Effect.scoped),
    120_000,
  )
})

layer(TestDatabase.layer, { timeout: 120_000, excludeTestServices: true })("starform's stored session", (it) => {
  it.effect(
    "is refreshed when its access token expires, kept at 0600, and forgotten once revoked on the server",
    () =>
      Effect.gen(function* () {
        const running = yield* Harness.start({ ...identity, accessTokenLifetime: Duration.seconds(5) })
        const api = running.gatewayUrl
        const ada = yield* Harness.person(api)
        const laptop = Harness.machine()
        const credentials = join(laptop.config, "starform", "credentials.json")
        expect((yield* Harness.login(laptop, api, ada.token)).result.code).toBe(0)
        const first = JSON.parse(readFileSync(credentials, "utf8"))

        // Within 30 s of expiry the CLI refreshes first: the refresh token rotates, the session stays the same.
        const whoami = yield* Harness.run(laptop, api, ["whoami", "--json"])
        expect(whoami.code).toBe(0)
        expect(JSON.parse(whoami.stdout).email).toBe(ada.email)
        const second = JSON.parse(readFileSync(credentials, "utf8"))
        expect(second.refreshToken).not.toBe(first.refreshToken)
        expect(second.sessionId).toBe(first.sessionId)
        expect(statSync(credentials).mode & 0o777).toBe(0o600)

        // Signed out from another device (the dashboard's session list): the CLI says so and forgets the session.
        const revoked = yield* Harness.request(
          api,
          "DELETE",
          `/v1/me/sessions/${first.sessionId}`,
          undefined,
          ada.token,
        )
        expect(revoked.status).toBe(204)
        const after = yield* Harness.run(laptop, api, ["whoami"])
        expect(after.code).toBe(exitCodes.unauthenticated)
        oneLine(after.stderr, /session has ended/)
        expect(existsSync(credentials)).toBe(false)
      }).pipe(Effect.scoped),
    60_000,
  )
})
