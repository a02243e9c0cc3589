import { Schema, SchemaAST } from "effect"
import { HttpApi, OpenApi } from "effect/http-api"
import { Api } from "./PublicApi.ts"

/**
 * The OpenAPI document of the public API: what `/openapi.json` serves and `/reference` renders. Everything a reader
 * sees comes from the contract (summaries, descriptions, examples, errors are annotations on the endpoints and
 * schemas); this module only says what Effect's generator cannot be told through an annotation, each with why:
 *
 * - component names: a `Schema.Class` is generated from its encoded side, which Effect names `<Name>Encoded`; a
 *   generated client wants `Project`, not `ProjectEncoded` (a `referencePolicy`, an option of `OpenApi.fromApi`);
 * - numeric query and path parameters: they travel as strings, and Effect documents the wire string; a client wants
 *   the integer the server decodes, so each such parameter is documented by its decoded side (read from the contract,
 *   not written twice);
 * - rate-limit headers: the `Authentication` middleware (and the sign-in routes) set `RateLimit-*` on every answer and
 *   `Retry-After` on 429, outside any response schema; HttpApi has no way to declare headers a middleware adds, so
 *   every operation that can answer 429 declares them here;
 * - `info.contact`: `OpenApi` has annotations for title, version, description and license, none for the contact.
 */

const referencePolicy = ({ identifier }: { readonly identifier: string | undefined }) =>
  identifier?.replace(/Encoded$/, "")

/** The same options object every time: `OpenApi.fromApi` caches per options object. */
const options: OpenApi.FromApiOptions = { referencePolicy }

const contact = { name: "Starform maintainers" }

/** Per operation id, its parameters whose decoded side is a number: their JSON Schema as the server reads them. */
const numericParameters = (): ReadonlyMap<string, ReadonlyMap<string, object>> => {
  const found = new Map<string, Map<string, object>>()
  HttpApi.reflect(Api, {
    onGroup() {},
    onEndpoint({ group, endpoint }) {
      const numeric = new Map<string, object>()
      for (const schema of [endpoint.params, endpoint.query, endpoint.headers]) {
        if (schema === undefined) continue
        const type = SchemaAST.toType(schema.ast)
        if (type._tag !== "Objects") continue
        for (const property of type.propertySignatures) {
          if (property.type._tag !== "Number") continue
          numeric.set(String(property.name), Schema.toJsonSchemaDocument(Schema.make(property.type)).schema)
        }
      }
      if (numeric.size > 0) found.set(`${group.identifier}.${endpoint.identifier}`, numeric)
    },
  })
  return found
}

const header = (description: string, example: number | string) => ({
  description,
  required: false,
  schema: { type: typeof example === "number" ? "integer" : "string", examples: [example] },
})

/** `RateLimit-*` (IETF draft `ratelimit-headers`) on every answer of a rate-limited operation. */
const rateLimitHeaders = {
  "RateLimit-Limit": header("Requests the budget allows in its window.", 600),
  "RateLimit-Remaining": header("Requests left in the current window.", 599),
  "RateLimit-Reset": header("Seconds until the budget is full again.", 1),
  "RateLimit-Policy": header("The budget as `<requests>;w=<window seconds>`.", "600;w=60"),
}
const retryAfter = header("Seconds to wait before trying again.", 12)

const methods = ["get", "put", "post", "delete", "patch"] as const

const build = (): OpenApi.OpenAPISpec => {
  const spec = OpenApi.fromApi(Api, options)
  const numeric = numericParameters()
  for (const item of Object.values(spec.paths)) {
    for (const method of methods) {
      const operation = item[method]
      if (operation === undefined) continue
      const numbers = numeric.get(operation.operationId)
      for (const parameter of operation.parameters) {
        const schema = numbers?.get(parameter.name)
        if (schema !== undefined) parameter.schema = schema
      }
      if (operation.responses[429] === undefined) continue
      for (const [status, response] of Object.entries(operation.responses)) {
        response.headers = {
          ...response.headers,
          ...rateLimitHeaders,
          ...(status === "429" ? { "Retry-After": { ...retryAfter, required: true } } : {}),
        }
      }
    }
  }
  const info: OpenApi.OpenAPISpecInfo & { readonly contact: typeof contact } = { ...spec.info, contact }
  return { ...spec, info }
}

let cached: OpenApi.OpenAPISpec | undefined

/** The document, built once (the contract does not change while the process runs). */
export const document = (): OpenApi.OpenAPISpec => {
  cached ??= build()
  return cached
}
