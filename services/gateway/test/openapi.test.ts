import { execFile } from "node:child_process"
import { mkdtemp, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { promisify } from "node:util"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Database } from "@starform/db"
import { Gateway } from "@starform/gateway"
import { TestDatabase } from "@starform/testkit"
import { Effect, Layer, Schema } from "effect"
import { HttpClient, HttpRouter } from "effect/http"
import { type Gaps, gaps } from "./openapiGaps.ts"

/**
 * The served `/openapi.json` is what a person and a generator read: it passes Redocly's recommended rules with no
 * error and no warning, and everything in it is described (see `openapiGaps.ts` for what "described" means).
 */

const serve = (url: string) =>
  HttpRouter.serve(Gateway.routes, { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provide(Database.layer(url)),
    Layer.provideMerge(NodeHttpServer.layerTest),
  )

const fetchText = (path: string) =>
  Effect.gen(function* () {
    const { url } = yield* TestDatabase.empty
    return yield* Effect.gen(function* () {
      const response = yield* HttpClient.get(path)
      return { status: response.status, type: response.headers["content-type"], text: yield* response.text }
    }).pipe(Effect.provide(serve(url)))
  }).pipe(Effect.scoped)

const Json = Schema.fromJsonString(Schema.Record(Schema.String, Schema.Unknown))

const served = fetchText("/openapi.json").pipe(
  Effect.flatMap(({ status, text }) => {
    expect(status).toBe(200)
    return Schema.decodeUnknownEffect(Json)(text)
  }),
)

const LintReport = Schema.fromJsonString(
  Schema.Struct({
    totals: Schema.Struct({ errors: Schema.Number, warnings: Schema.Number }),
    problems: Schema.Array(Schema.Struct({ ruleId: Schema.String, message: Schema.String })),
  }),
)

/** Redocly from node_modules, on this Node, with no network: telemetry and the update check are off. */
const redocly = createRequire(import.meta.url).resolve("@redocly/cli/package.json")

/**
 * The one exception, scoped to one operation: `GET /healthz` has no 4xx answer to declare (it takes no input and
 * needs no token), and `operation-4xx-response` asks every operation for one. Inventing a 4xx would be a lie.
 */
const ignore = `openapi.json:
  operation-4xx-response:
    - "#/paths/~1healthz/get/responses"
`

const lint = (document: string) =>
  Effect.promise(async () => {
    const dir = await mkdtemp(join(tmpdir(), "starform-openapi-"))
    await writeFile(join(dir, "openapi.json"), document)
    await writeFile(join(dir, "redocly.yaml"), "extends:\n  - recommended\n")
    await writeFile(join(dir, ".redocly.lint-ignore.yaml"), ignore)
    const run = promisify(execFile)
    const cli = join(dirname(redocly), "bin", "cli.js")
    const { stdout } = await run(process.execPath, [cli, "lint", "openapi.json", "--format=json"], {
      cwd: dir,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", CI: "true" },
    }).catch((failure: { stdout?: string }) => ({ stdout: failure.stdout ?? "" }))
    return stdout
  }).pipe(Effect.flatMap(Schema.decodeUnknownEffect(LintReport)))

const none: Gaps = {
  operations: [],
  tags: [],
  parameters: [],
  properties: [],
  responses: [],
  document: [],
}

describe("the published OpenAPI document", () => {
  it.effect(
    "passes Redocly's recommended rules with no error and no warning",
    () =>
      Effect.gen(function* () {
        const { text } = yield* fetchText("/openapi.json")
        const report = yield* lint(text)
        expect(report.problems).toEqual([])
        expect(report.totals).toEqual({ errors: 0, warnings: 0 })
      }),
    60_000,
  )

  it.effect("describes every operation, tag, parameter, property and response", () =>
    Effect.gen(function* () {
      expect(gaps(yield* served)).toEqual(none)
    }),
  )

  it.effect("says what a generated client needs: names, integers, arrays, headers and the 400s ids can answer", () =>
    Effect.gen(function* () {
      const document = yield* served
      const text = JSON.stringify(document)
      // Components are named for what they are: `Project`, not `ProjectEncoded`.
      expect(text).not.toMatch(/Encoded"/)
      expect(text).toContain('"#/components/schemas/Project"')
      expect(text).toContain('"#/components/schemas/Deployment"')
      // A numeric query parameter is the integer the server reads, with its bounds.
      expect(text).toContain(
        '"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":100,"description":"At most this many, newest first (1 to 100; default 20)."},"required":false,"description":"At most this many, newest first (1 to 100; default 20)."',
      )
      // A token's scopes are an array (of at least one), not a one-element tuple.
      expect(text).not.toContain("prefixItems")
    }),
  )
})

describe("the description check", () => {
  it("names what a document leaves undescribed", () => {
    const found = gaps({
      info: { title: "t", version: "1" },
      tags: [{ name: "things" }],
      paths: {
        "/things/{id}": {
          get: {
            summary: "A thing",
            parameters: [{ name: "id", in: "path", schema: { type: "string" } }],
            responses: {
              200: {
                description: "Thing",
                content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } },
              },
            },
          },
        },
      },
      components: {
        schemas: { ThingEncoded: { type: "object", properties: { name: { type: "string" } } }, Thing: {} },
      },
    })
    expect(found).toEqual({
      operations: ["GET /things/{id}: description"],
      tags: ["things"],
      parameters: ["GET /things/{id} path id"],
      properties: ["#ThingEncoded.name"],
      responses: ["GET /things/{id} 200: Thing"],
      document: [
        "components.schemas.ThingEncoded: named Encoded",
        "GET /things/{id}: 400 for a malformed path parameter",
        "info.description",
        "info.contact",
        "info.license",
        "servers",
      ],
    })
  })
})

describe("the reference page", () => {
  it.effect("explains variable references, pagination, rate limits and idempotency", () =>
    Effect.gen(function* () {
      const { status, type, text } = yield* fetchText("/reference")
      expect(status).toBe(200)
      expect(type).toMatch(/^text\/html/)
      for (const topic of ["Pagination", "Rate limits", "Idempotency and retries", "Variables and references"]) {
        expect(text).toContain(`>${topic}</h2>`)
      }
      expect(text).toContain(`\${{ api.DATABASE_URL }}`)
      expect(text).toContain(`\${{ shared.REGION }}`)
      expect(text).toContain("references form a cycle")
      expect(text).toContain("Retry-After")
      expect(text).toContain("nextCursor")
      // Operations are listed with their descriptions, e.g. the rollback.
      expect(text).toContain("Creates a new deployment from this release&#39;s image and frozen configuration")
    }),
  )
})
