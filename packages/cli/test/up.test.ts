import { createHash, randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
// the builds service runs in this process: its signing key (made once per process) signs the test's links too
import * as Links from "../../../services/builds/src/sources/Links.ts"
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

/** A raw upload whose `Content-Length` claims `claimed` bytes while only a few are sent: refused before reading. */
const claimOversize = (url: string, token: string, claimed: number) =>
  Effect.promise(
    () =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(url, {
          method: "POST",
          headers: { "content-type": "application/gzip", "content-length": claimed, authorization: `Bearer ${token}` },
        })
        req.on("response", (response) => {
          let body = ""
          response.on("data", (chunk: Buffer) => {
            body += chunk.toString()
          })
          response.on("end", () => {
            resolve({ status: response.statusCode ?? 0, body })
            req.destroy()
          })
        })
        req.on("error", reject)
        req.write(Buffer.alloc(1024))
      }),
  )

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

  it.effect(
    "the upload endpoint refuses a body over the limit (413, both sizes), a JSON body (415), and another service's upload (404)",
    () =>
      Effect.gen(function* () {
        const running = yield* Harness.start()
        const api = running.gatewayUrl
        const ada = yield* Harness.person(api)
        const project = yield* Harness.request(
          api,
          "POST",
          `/v1/workspaces/${ada.workspaceId}/projects`,
          { name: "p" },
          ada.token,
        )
        const environments = yield* Harness.request(
          api,
          "GET",
          `/v1/projects/${project.body.id}/environments`,
          undefined,
          ada.token,
        )
        const service = (name: string) =>
          Harness.request(
            api,
            "POST",
            `/v1/environments/${environments.body[0].id}/services`,
            { name, type: "worker", source: { type: "image", imageRef: "busybox:1" } },
            ada.token,
          )
        const web = (yield* service("web")).body.id as string
        const worker = (yield* service("worker")).body.id as string
        const sources = (id: string) => `${api}/v1/services/${id}/sources`

        const claimed = 200 * 1024 * 1024
        const big = yield* claimOversize(sources(web), ada.token, claimed)
        expect(big.status).toBe(413)
        expect(JSON.parse(big.body)).toMatchObject({
          code: "payload_too_large",
          message: `The source archive is 200.0 MiB (${claimed} bytes), larger than the limit of 100.0 MiB (104857600 bytes).`,
        })
        const json = yield* Harness.request(api, "POST", `/v1/services/${web}/sources`, { files: [] }, ada.token)
        expect(json.status).toBe(415)
        expect(yield* uploadsOf(web)).toHaveLength(0)

        const upload = yield* Effect.promise(() =>
          fetch(sources(worker), {
            method: "POST",
            headers: { "content-type": "application/gzip", authorization: `Bearer ${ada.token}` },
            body: new Uint8Array(randomBytes(2048)),
          }).then(async (response) => ({
            status: response.status,
            body: (await response.json()) as { id: string; sizeBytes: number; sha256: string },
          })),
        )
        expect(upload.status).toBe(201)
        expect(upload.body).toMatchObject({ sizeBytes: 2048, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
        // a build Job fetches the archive, byte for byte, through a link the builds service signed; a forged one is refused
        const key = yield* Links.SigningKey
        const link = Links.sign(key, upload.body.id, Date.now() + 60_000)
        const fetched = yield* Effect.promise(() =>
          fetch(`${running.buildsUrl}${link}`).then(async (r) => ({
            status: r.status,
            bytes: Buffer.from(await r.arrayBuffer()),
          })),
        )
        expect(fetched.status).toBe(200)
        expect(createHash("sha256").update(fetched.bytes).digest("hex")).toBe(upload.body.sha256)
        const forged = yield* Effect.promise(() =>
          fetch(`${running.buildsUrl}${link.replace(/signature=\w+/, `signature=${"0".repeat(64)}`)}`),
        )
        expect(forged.status).toBe(403)
        const expired = Links.sign(key, upload.body.id, Date.now() - 1)
        expect((yield* Effect.promise(() => fetch(`${running.buildsUrl}${expired}`))).status).toBe(403)

        // the worker's upload deployed to web reads as missing; nothing is created
        const crossed = yield* Harness.request(
          api,
          "POST",
          `/v1/services/${web}/deployments`,
          { sourceUploadId: upload.body.id },
          ada.token,
        )
        expect(crossed.status).toBe(404)
        expect(crossed.body.message).toBe(`No source upload with id ${upload.body.id} was found.`)
        const history = yield* Harness.request(api, "GET", `/v1/services/${web}/deployments`, undefined, ada.token)
        expect(history.body).toEqual([])
        const mixed = yield* Harness.request(
          api,
          "POST",
          `/v1/services/${worker}/deployments`,
          { sourceUploadId: upload.body.id, imageRef: "busybox:2" },
          ada.token,
        )
        expect(mixed.status).toBe(400)
        expect(mixed.body.field).toBe("imageRef")
      }).pipe(Effect.scoped),
  )
})
