import { Schema, SchemaAST } from "effect"
import { HttpApi, OpenApi } from "effect/http-api"
import { flatten } from "./JsonSchemaFlatten.ts"
import { Api } from "./PublicApi.ts"
import * as RequestBodies from "./RequestBodies.ts"

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
 * - parameter descriptions: Effect leaves a parameter's annotations on its schema; readers and generators look for
 *   `description` on the parameter itself, so it is repeated there;
 * - `info.contact`: `OpenApi` has annotations for title, version, description and license, none for the contact;
 * - schemas are folded by `JsonSchemaFlatten` (the domain's check groups compile to `allOf` members; see there).
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

const header = (description: string, example: number | string): OpenApi.OpenAPISpecHeader => ({
  description,
  required: false,
  schema: { type: typeof example === "number" ? "integer" : "string", examples: [example] },
})

/** `RateLimit-*` (IETF draft `ratelimit-headers`) on every answer of a rate-limited operation, and `Retry-After`. */
const headers: Record<string, OpenApi.OpenAPISpecHeader> = {
  "RateLimit-Limit": header("Requests the budget allows in its window.", 100),
  "RateLimit-Remaining": header("Requests left in the current window.", 99),
  "RateLimit-Reset": header("Seconds until the budget is full again.", 1),
  "RateLimit-Policy": header("The budget as `<requests>;w=<window seconds>`.", "100;w=60"),
  "Retry-After": { ...header("Seconds to wait before trying again.", 12), required: true },
}
const rateLimitHeaders = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"]

/** A response header declared once, under `components.headers`. */
export interface HeaderRef {
  readonly $ref: string
}

export interface Response extends Omit<OpenApi.OpenApiSpecResponse, "headers"> {
  readonly headers?: Readonly<Record<string, OpenApi.OpenAPISpecHeader | HeaderRef>>
}

export interface Operation extends Omit<OpenApi.OpenAPISpecOperation, "responses"> {
  readonly responses: Readonly<Record<string, Response>>
}

const methods = ["get", "put", "post", "delete", "patch"] as const
export type Method = (typeof methods)[number]

/** The OpenAPI 3.1 document: Effect's `OpenAPISpec`, with `info.contact` and `components.headers`. */
export interface Document extends Omit<OpenApi.OpenAPISpec, "info" | "paths" | "components"> {
  readonly info: OpenApi.OpenAPISpecInfo & { readonly contact: typeof contact }
  readonly paths: Readonly<Record<string, Partial<Readonly<Record<Method, Operation>>>>>
  readonly components: OpenApi.OpenAPIComponents & {
    readonly headers: Readonly<Record<string, OpenApi.OpenAPISpecHeader>>
  }
  /** The input limits in words (`RequestBodies`' transform writes the same). */
  readonly [RequestBodies.limitsExtension]: Readonly<Record<string, string>>
}

const withHeaders = (operation: OpenApi.OpenAPISpecOperation): Operation => {
  if (operation.responses[429] === undefined) return operation
  const responses: Record<string, Response> = {}
  for (const [status, response] of Object.entries(operation.responses)) {
    const names = status === "429" ? [...rateLimitHeaders, "Retry-After"] : rateLimitHeaders
    const refs = Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]))
    responses[status] = { ...response, headers: { ...response.headers, ...refs } }
  }
  return { ...operation, responses }
}

const flattenContent = (content: OpenApi.OpenApiSpecContent): OpenApi.OpenApiSpecContent =>
  Object.fromEntries(
    Object.entries(content).map(([type, media]) => [type, { ...media, schema: flatten(media.schema) }]),
  )

const build = (): Document => {
  const spec = OpenApi.fromApi(Api, options)
  const numeric = numericParameters()
  const paths: Record<string, Partial<Record<Method, Operation>>> = {}
  for (const [path, item] of Object.entries(spec.paths)) {
    const operations: Partial<Record<Method, Operation>> = {}
    for (const method of methods) {
      const operation = item[method]
      if (operation === undefined) continue
      const numbers = numeric.get(operation.operationId)
      const parameters = operation.parameters.map((parameter) => {
        const schema = flatten(numbers?.get(parameter.name) ?? parameter.schema)
        const description = parameter.description ?? schema.description
        return { ...parameter, schema, ...(typeof description === "string" ? { description } : {}) }
      })
      const requestBody = operation.requestBody && {
        ...operation.requestBody,
        content: flattenContent(operation.requestBody.content),
      }
      const responses: Record<string, OpenApi.OpenApiSpecResponse> = {}
      for (const [status, response] of Object.entries(operation.responses)) {
        responses[status] =
          response.content === undefined ? response : { ...response, content: flattenContent(response.content) }
      }
      operations[method] = withHeaders({
        ...operation,
        parameters,
        responses,
        ...(requestBody === undefined ? {} : { requestBody }),
      })
    }
    paths[path] = operations
  }
  return {
    ...spec,
    info: { ...spec.info, contact },
    paths,
    components: {
      ...spec.components,
      schemas: Object.fromEntries(
        Object.entries(spec.components.schemas).map(([name, schema]) => [name, flatten(schema)]),
      ),
      headers,
    },
    [RequestBodies.limitsExtension]: Object.fromEntries(RequestBodies.limitsInWords),
  }
}

let cached: Document | undefined

/** The document, built once (the contract does not change while the process runs). */
export const document = (): Document => {
  cached ??= build()
  return cached
}
