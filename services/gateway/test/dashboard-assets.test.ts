import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeHttpServer } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest, HttpRouter } from "effect/http"
import * as Dashboard from "../src/dashboard/Dashboard.ts"

/** A build as Vite leaves it: `index.html` naming a hashed script under `assets/`. */
const build = mkdtempSync(join(tmpdir(), "starform-dashboard-assets-"))
mkdirSync(join(build, "assets"))
const index = '<!doctype html><script type="module" src="/assets/index-Ab12Cd34.js"></script>'
const script = `console.log(${JSON.stringify("starform ".repeat(200))})`
writeFileSync(join(build, "index.html"), index)
writeFileSync(join(build, "assets", "index-Ab12Cd34.js"), script)
afterAll(() => rmSync(build, { recursive: true, force: true }))

const serve = HttpRouter.serve(Dashboard.layer(build), { disableListenLog: true, disableLogger: true }).pipe(
  Layer.provideMerge(NodeHttpServer.layerTest),
)

const get = (path: string, headers: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(HttpClientRequest.get(path).pipe(HttpClientRequest.setHeaders(headers)))
    const bytes = new Uint8Array(yield* response.arrayBuffer)
    return { status: response.status, headers: response.headers, bytes, text: new TextDecoder().decode(bytes) }
  })

const page = { accept: "text/html,application/xhtml+xml" }

describe("the dashboard's files at /", () => {
  it.effect("serves index.html uncached and hashed assets cached for a year", () =>
    Effect.gen(function* () {
      const root = yield* get("/", page)
      expect(root.status).toBe(200)
      expect(root.headers["content-type"]).toBe("text/html; charset=utf-8")
      expect(root.headers["cache-control"]).toBe("no-cache")
      expect(root.text).toBe(index)

      const asset = yield* get("/assets/index-Ab12Cd34.js")
      expect(asset.status).toBe(200)
      expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable")
      expect(asset.headers["content-type"]).toBe("text/javascript; charset=utf-8")
      expect(asset.text).toBe(script)
    }).pipe(Effect.provide(serve)),
  )

  it.effect("sends a gzipped body to a client that accepts it", () =>
    Effect.gen(function* () {
      const asset = yield* get("/assets/index-Ab12Cd34.js", { "accept-encoding": "gzip" })
      expect(asset.headers["content-encoding"]).toBe("gzip")
      expect(Number(asset.headers["content-length"])).toBeLessThan(script.length / 10)
      // The client decompressed it: the same script arrives.
      expect(asset.text).toBe(script)
    }).pipe(Effect.provide(serve)),
  )

  it.effect("answers index.html for a page's deep link, so a reload stays on that page", () =>
    Effect.gen(function* () {
      const deep = yield* get("/s/svc_0000000000000000000000000/variables", page)
      expect(deep.status).toBe(200)
      expect(deep.headers["cache-control"]).toBe("no-cache")
      expect(deep.text).toBe(index)
    }).pipe(Effect.provide(serve)),
  )

  it.effect("keeps unknown /v1 paths, missing assets and non-page requests a JSON 404", () =>
    Effect.gen(function* () {
      for (const [path, headers] of [
        ["/v1/nothing-here", page],
        ["/v1", page],
        ["/assets/index-Old00000.js", page],
        ["/s/svc_0000000000000000000000000", { accept: "application/json" }],
      ] as const) {
        const answer = yield* get(path, headers)
        expect(answer.status, path).toBe(404)
        expect(answer.headers["content-type"], path).toContain("application/json")
        expect(JSON.parse(answer.text), path).toMatchObject({ code: "not_found" })
      }
    }).pipe(Effect.provide(serve)),
  )
})
