import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { exitCodes } from "../src/Failure.ts"
import * as Harness from "./harness.ts"

/**
 * `starform up`: a folder deployed without GitHub, spawned against a Starbase whose builds run on a simulated
 * cluster. Uploaded archives land in this run's own STARFORM_HOME, so "nothing stored" is checked on disk too.
 */

const home = mkdtempSync(join(tmpdir(), "starform-home-"))
process.env.STARFORM_HOME = home

const storedArchives = () => {
  const root = join(home, "sources")
  try {
    return readdirSync(root, { recursive: true }).filter((name) => String(name).endsWith(".tar.gz")).length
  } catch {
    return 0
  }
}

const uploadsOf = (serviceId: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ sizeBytes: string }>`SELECT size_bytes FROM source_uploads WHERE service_id = ${serviceId}`,
  )

layer(TestDatabase.layer, { timeout: 180_000, excludeTestServices: true })("starform up", (it) => {
  it.effect(
    "deploys the folder (ignored files left out) and exits 0 once active; refuses an over-size folder and another project's token with nothing uploaded",
    () =>
      Effect.gen(function* () {
        const running = yield* Harness.start()
        const api = running.gatewayUrl
        const ada = yield* Harness.person(api)
        const laptop = Harness.machine()
        const starform = (...args: Array<string>) => Harness.run(laptop, api, args)
        expect((yield* Harness.login(laptop, api, ada.token)).result.code).toBe(0)
        expect((yield* starform("init", "shop")).code).toBe(0)
        const created = yield* starform("service", "create", "--name", "web", "--image", "nginx:1.27", "--port", "80")
        expect(created.code).toBe(0)
        const web = JSON.parse((yield* starform("service", "list", "--json")).stdout)[0]

        // the fixture app, with dependencies that .gitignore leaves out
        writeFileSync(join(laptop.folder, "package.json"), '{"name":"shop","scripts":{"start":"node index.js"}}')
        writeFileSync(join(laptop.folder, "index.js"), "require('http').createServer((q, s) => s.end('hi')).listen(80)")
        writeFileSync(join(laptop.folder, ".gitignore"), "node_modules/\n")
        mkdirSync(join(laptop.folder, "node_modules", "left-pad"), { recursive: true })
        writeFileSync(join(laptop.folder, "node_modules", "left-pad", "index.js"), randomBytes(512 * 1024))

        const up = yield* starform("up", "--json")
        expect(up.stderr).toMatch(/Packed 4 files/)
        expect(up.code).toBe(0)
        const deployment = JSON.parse(up.stdout)
        expect(deployment).toMatchObject({ number: 1, status: "active", trigger: "cli" })
        expect(deployment.snapshot.sourceUploadId).toMatch(/^upl_/)
        // the build streamed as it ran: the simulated runner's lines reached the terminal
        expect(up.stderr).toMatch(/Simulated cluster/)
        expect(up.stderr).toMatch(/Queued: the uploaded folder upl_/)
        const uploads = yield* uploadsOf(web.id)
        expect(uploads).toHaveLength(1)
        // node_modules (512 KiB of noise) was not packed: the archive is tiny
        expect(Number(uploads[0]!.sizeBytes)).toBeLessThan(4096)
        expect(storedArchives()).toBe(1)

        // over the limit: refused before anything is sent, with the sizes and the largest file
        writeFileSync(join(laptop.folder, "video.bin"), randomBytes(256 * 1024))
        const big = yield* Harness.run(laptop, api, ["up"], { env: { STARFORM_UP_LIMIT_BYTES: String(64 * 1024) } })
        expect(big.code).toBe(exitCodes.rejected)
        expect(big.stderr).toMatch(/over the limit of 0\.1 MiB \(65536 bytes\).*video\.bin \(0\.3 MiB\)/)
        expect(yield* uploadsOf(web.id)).toHaveLength(1)
        expect(storedArchives()).toBe(1)

        // a token of another project cannot up here: the service is not found, and nothing is stored
        const other = yield* Harness.request(
          api,
          "POST",
          `/v1/workspaces/${ada.workspaceId}/projects`,
          { name: "other" },
          ada.token,
        )
        const token = yield* Harness.request(
          api,
          "POST",
          `/v1/workspaces/${ada.workspaceId}/tokens`,
          { name: "ci", scopes: ["deploy"], projectId: other.body.id },
          ada.token,
        )
        expect(token.status).toBe(201)
        const cross = yield* Harness.run(laptop, api, ["up", "--service", web.id], {
          env: { STARFORM_TOKEN: token.body.secret },
        })
        expect(cross.code).toBe(exitCodes.notFound)
        expect(cross.stderr.trim().split("\n")).toHaveLength(1)
        expect(yield* uploadsOf(web.id)).toHaveLength(1)
        expect(storedArchives()).toBe(1)
      }).pipe(Effect.scoped),
    150_000,
  )
})
