import { Context, Schema, SchemaTransformation } from "effect"
import { HttpApiMiddleware, OpenApi } from "effect/http-api"

/**
 * What the API accepts as a request body, decided once for every endpoint: JSON only, bounded in size and nesting,
 * no field the contract does not name (`HttpApi.PayloadParseOptions` in `PublicApi`), no NUL in any text
 * (`Rules.noNul`). An endpoint that declares no body takes none (an empty body or `{}`), and one whose fields are all
 * optional takes no body at all as `{}` (`optional`).
 */

/** The limits a person never meets and an abuser always does; the reference page lists them. */
export const limits = {
  /** Bytes in one request body: 413 above it. */
  bodyBytes: 1024 * 1024,
  /** Objects and arrays nested in one body (`{"a":{"b":1}}` is 2 deep). */
  depth: 32,
  /** Variables one request may set (a service's or a var group's). */
  variablesPerRequest: 1000,
  /** Characters in one variable value (see `VariablesApi.VariableValue`). */
  variableValueCharacters: 32_768,
} as const

/** The limits as the reference page and error messages word them. */
export const limitsInWords: ReadonlyArray<readonly [string, string]> = [
  [
    "Request body",
    `JSON only (Content-Type: application/json; anything else: 415), at most ${limits.bodyBytes / 1024 / 1024} MiB ` +
      "(larger: 413)",
  ],
  ["Nesting", `objects and arrays at most ${limits.depth} levels deep (deeper: 400, rule max-depth)`],
  [
    "Fields",
    "only the fields an endpoint documents (any other: 400 naming it, rule unknown-field); an endpoint that " +
      "documents no body takes none, or {}",
  ],
  ["Text", "no NUL character (\\u0000) in any string (400, rule no-nul)"],
  [
    "Variables per request",
    `at most ${limits.variablesPerRequest} keys in one \`variables\` object (400, rule max-variables)`,
  ],
  ["Variable value", `at most ${limits.variableValueCharacters} characters (400, rule length)`],
]

/**
 * Refuses, before the endpoint's own decoding, what no endpoint accepts: a body that is not JSON (415), too large
 * (413) or too deeply nested (400), and any body sent to an endpoint that declares none (400), so that, e.g.,
 * `POST /v1/deployments/{id}/cancel` with malformed JSON is refused rather than ignored. The gateway implements it.
 */
export class Guard extends HttpApiMiddleware.Service<Guard>()("starform/RequestBodies/Guard") {}

/**
 * A body whose fields are all optional may be left out: no body decodes as `{}` would. Use as the endpoint's payload,
 * `payload: RequestBodies.optional(UpdateThingRequest)`. The builder reads a missing body as JSON `null` when a payload
 * schema encodes to `null`, so the second member turns exactly that into the empty request. The OpenAPI document marks
 * such a body not required (see `openApi`). A schema with a required field fails here, when the contract loads.
 */
export const optional = <S extends Schema.Top & { readonly DecodingServices: never; readonly EncodingServices: never }>(
  schema: S,
) => {
  const empty = Schema.decodeUnknownSync(schema)({})
  const absent = Schema.Null.pipe(
    Schema.decodeTo(
      Schema.toType(schema),
      SchemaTransformation.transform({ decode: (): S["Type"] => empty, encode: () => null }),
    ),
  )
  return [schema, absent] as const
}

type Json = { [key: string]: unknown }

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null

/**
 * The OpenAPI side of `optional`: the generator writes its two members as `anyOf: [body, {type: null}]` and
 * `required: true`; this says what they mean (no `required`: OpenAPI's default, false) and keeps the body's own
 * schema.
 */
const optionalBodies = (spec: Json): Json => {
  const paths = isObject(spec.paths) ? spec.paths : {}
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue
    for (const operation of Object.values(item)) {
      if (!isObject(operation) || !isObject(operation.requestBody)) continue
      const body = operation.requestBody
      const content = isObject(body.content) ? body.content : {}
      for (const media of Object.values(content)) {
        if (!isObject(media) || !isObject(media.schema) || !Array.isArray(media.schema.anyOf)) continue
        const members: ReadonlyArray<unknown> = media.schema.anyOf
        const present = members.filter((member) => !(isObject(member) && member.type === "null"))
        if (present.length === members.length || present.length !== 1) continue
        Object.assign(media, { schema: present[0] })
        // OpenAPI's default for `required` is false.
        delete body.required
      }
    }
  }
  return spec
}

/** The document's `x-starform-limits`: each limit by name, in words, for readers and the reference page. */
export const limitsExtension = "x-starform-limits"

/**
 * The API-level OpenAPI annotations of this module: `PublicApi.Api.annotateMerge(RequestBodies.openApi)`. The
 * document says which bodies are optional and lists the limits.
 */
export const openApi = Context.make(
  OpenApi.Transform,
  (spec: Json): Json => ({
    ...optionalBodies(spec),
    [limitsExtension]: Object.fromEntries(limitsInWords),
  }),
)
