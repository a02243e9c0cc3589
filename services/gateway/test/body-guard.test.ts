import { describe, expect, it } from "@effect/vitest"
import { PublicApi, RequestBodies } from "@starform/domain"
import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import { HttpApi, type HttpApiEndpoint, type HttpApiGroup } from "effect/http-api"
import * as BodyGuard from "../src/input/BodyGuard.ts"
import { exceedsDepth, mediaType } from "../src/input/JsonShape.ts"

/** The scan that refuses deeply nested bodies before they are parsed. */
describe("JSON nesting depth", () => {
  const nest = (levels: number, open = "[", close = "]") => `${open.repeat(levels)}${close.repeat(levels)}`

  it("counts objects and arrays alike, and allows exactly the limit", () => {
    expect(exceedsDepth(nest(3), 3)).toBe(false)
    expect(exceedsDepth(nest(4), 3)).toBe(true)
    expect(exceedsDepth('{"a":{"b":{"c":1}}}', 3)).toBe(false)
    expect(exceedsDepth('{"a":{"b":{"c":[1]}}}', 3)).toBe(true)
  })

  it("measures depth, not how many containers a body has", () => {
    const wide = `[${Array.from({ length: 1000 }, () => '{"a":[1]}').join(",")}]`
    expect(exceedsDepth(wide, 3)).toBe(false)
  })

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(exceedsDepth(JSON.stringify({ text: "[[[[[[{{{{{{" }), 1)).toBe(false)
    expect(exceedsDepth(JSON.stringify({ text: 'a "quoted" [[[[ \\ ' }), 1)).toBe(false)
    expect(exceedsDepth(JSON.stringify({ text: "ends in a backslash \\", list: [[1]] }), 2)).toBe(true)
  })

  it("stops early on a 10,000-level body", () => {
    expect(exceedsDepth(nest(10_000), 32)).toBe(true)
  })
})

describe("media types", () => {
  it("drop parameters and case", () => {
    expect(mediaType("Application/JSON; charset=utf-8")).toBe("application/json")
    expect(mediaType("text/plain")).toBe("text/plain")
  })
})

describe("the body guard", () => {
  it("leaves every GET endpoint's handler as it is: reads pay nothing for it", () => {
    const guard = Effect.runSync(Effect.provide(Effect.service(RequestBodies.Guard), BodyGuard.layer))
    const handler = Effect.succeed(HttpServerResponse.empty())
    const reads: Array<{ endpoint: HttpApiEndpoint.Top; group: HttpApiGroup.Top }> = []
    HttpApi.reflect(PublicApi.Api, {
      onGroup: () => {},
      onEndpoint: ({ endpoint, group }) => {
        if (endpoint.method === "GET") reads.push({ endpoint, group })
      },
    })
    expect(reads.length).toBeGreaterThan(20)
    for (const options of reads) expect(guard(handler, options)).toBe(handler)
  })
})
