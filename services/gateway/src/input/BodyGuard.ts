import { ApiErrors, RequestBodies, SourcesApi } from "@starform/domain"
import { ByteSize, Effect, Layer } from "effect"
import { HttpIncomingMessage, HttpMethod, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { HttpApiEndpoint } from "effect/http-api"
import * as ErrorResponses from "../errors/ErrorResponses.ts"
import { exceedsDepth, mediaType } from "./JsonShape.ts"

/**
 * `RequestBodies.Guard`: what every endpoint refuses before its own decoding, in the order a client would fix it:
 * a body too large (413, from `Content-Length` before reading, or while reading a chunked one), not JSON (415), nested
 * too deeply (400); and, for an endpoint that declares no body, anything but no body or `{}` (400: malformed JSON, a
 * non-object, or the first field, named). An endpoint with a body parses it itself, once; this reads the same bytes
 * (the request caches them) and only scans them. Requests without a body (every GET) pass straight through.
 */

const { limits } = RequestBodies
const maxBodySize = ByteSize.bytes(limits.bodyBytes)

const tooLarge = ErrorResponses.respond(
  new ApiErrors.PayloadTooLarge({
    message: `The request body is larger than the API accepts: at most ${limits.bodyBytes / 1024 / 1024} MiB.`,
  }),
).pipe(HttpServerResponse.setHeader("connection", "close"))

const unsupported = (type: string) =>
  ErrorResponses.respond(
    new ApiErrors.UnsupportedMediaType({
      // The client's own header, shortened: an error message is no place to echo a long one back.
      message: `The request body must be JSON sent as Content-Type: application/json, not ${type.slice(0, 100)}.`,
    }),
  )

const tooDeep = ErrorResponses.respond(
  ApiErrors.ValidationFailed.field("", "max-depth", `must nest objects and arrays at most ${limits.depth} levels deep`),
)

const notJson = ErrorResponses.respond(ErrorResponses.notJson)

/** What an endpoint that declares no body answers to one that is more than `{}`, or `undefined` if it is `{}`. */
const refuseBodyless = (text: string): HttpServerResponse.HttpServerResponse | undefined => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return notJson
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return ErrorResponses.respond(
      ApiErrors.ValidationFailed.field("", "type", "must be empty or {}: this endpoint takes no request body"),
    )
  }
  const first = Object.keys(value)[0]
  if (first === undefined) return undefined
  return ErrorResponses.respond(
    ApiErrors.ValidationFailed.field(first, "unknown-field", "is not a field of this request (it takes no body)"),
  )
}

/**
 * The one exemption: endpoints whose body is a binary archive, streamed through unread. Their own limit is checked
 * here from `Content-Length` (413 naming both sizes); a body without one is cut off at the limit as it streams.
 */
const binaryBodies: ReadonlyMap<string, { readonly contentType: string; readonly maxBytes: number }> = new Map([
  ["uploadSource", { contentType: SourcesApi.contentType, maxBytes: SourcesApi.maxBytes }],
])

const guardBinary = <E, R>(
  httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
  body: { readonly contentType: string; readonly maxBytes: number },
) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const length = Number(request.headers["content-length"] ?? Number.NaN)
    if (length > body.maxBytes)
      return Effect.succeed(
        ErrorResponses.respond(new ApiErrors.PayloadTooLarge({ message: SourcesApi.tooLargeMessage(length) })).pipe(
          HttpServerResponse.setHeader("connection", "close"),
        ),
      )
    const type = request.headers["content-type"]
    if (type === undefined || mediaType(type) !== body.contentType)
      return Effect.succeed(
        ErrorResponses.respond(
          new ApiErrors.UnsupportedMediaType({
            message: `The request body must be a gzipped tar sent as Content-Type: ${body.contentType}.`,
          }),
        ),
      )
    return httpEffect
  })

const isTooLarge = (error: unknown) =>
  HttpServerError.isHttpServerError(error) &&
  error.reason._tag === "RequestParseError" &&
  error.reason.reason === "BodyTooLarge"

const guard = <E, R>(
  httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
  endpoint: HttpApiEndpoint.Top,
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> => {
  if (!HttpMethod.hasBody(endpoint.method)) return httpEffect
  const binary = binaryBodies.get(endpoint.identifier)
  if (binary !== undefined) return guardBinary(httpEffect, binary)
  const declaresBody = endpoint.payload.size > 0
  return Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const length = request.headers["content-length"]
    const chunked = request.headers["transfer-encoding"] !== undefined
    if (!chunked && (length === undefined || length === "0")) return yield* httpEffect
    if (Number(length) > limits.bodyBytes) return tooLarge
    const type = request.headers["content-type"]
    // No Content-Type: read as JSON, as the endpoints' own decoding does.
    if (type !== undefined && mediaType(type) !== "application/json") return unsupported(mediaType(type))
    const text = yield* Effect.result(request.text)
    if (text._tag === "Failure") return isTooLarge(text.failure) ? tooLarge : notJson
    if (text.success === "") return yield* httpEffect
    if (exceedsDepth(text.success, limits.depth)) return tooDeep
    if (!declaresBody) {
      const refusal = refuseBodyless(text.success)
      if (refusal !== undefined) return refusal
    }
    return yield* httpEffect
  }).pipe(Effect.provideService(HttpIncomingMessage.MaxBodySize, maxBodySize))
}

export const layer = Layer.succeed(RequestBodies.Guard, (httpEffect, { endpoint }) => guard(httpEffect, endpoint))
