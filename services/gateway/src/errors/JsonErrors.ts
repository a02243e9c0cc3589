import { Cause, Effect } from "effect"
import { HttpServerError, HttpServerResponse } from "effect/http"
import { HttpApiError } from "effect/http-api"
import { forStatus, internal, isApiError, respond, validationFailed } from "./ErrorResponses.ts"
import * as UnknownRoutes from "./UnknownRoutes.ts"

/**
 * Every answer of the gateway that is an error has a JSON body `{ code, message, … }`: a request that failed its
 * schema becomes 400 naming the field and the rule, an unknown route 404 (`UnknownRoutes`), anything unexpected 500
 * (logged, with no internals in the body), and an error response some layer left empty or wrote as text gets the body
 * of its status.
 */

const fromCause = (cause: Cause.Cause<unknown>) =>
  Effect.gen(function* () {
    const error = Cause.squash(cause)
    if (isApiError(error)) return respond(error)
    if (HttpApiError.HttpApiSchemaError.is(error) && error.kind !== "Body" && error.kind !== "ResponseHeaders") {
      return respond(validationFailed(error))
    }
    if (HttpServerError.isHttpServerError(error)) {
      if (error.reason._tag === "RouteNotFound") return respond(UnknownRoutes.answer(error.reason.request))
      if (error.reason._tag === "RequestParseError")
        return respond(forStatus(error.reason.reason === "BodyTooLarge" ? 413 : 400))
    }
    // Only the error's name and message: a whole cause can hold the request, and a request can hold a secret.
    yield* Effect.logError(
      `request failed: ${error instanceof Error ? `${error.name}: ${error.message}` : typeof error}`,
    )
    return respond(internal)
  })

/** An error answer without a JSON body: empty, or the text some layer wrote (e.g. a 415 of the HttpApi builder). */
const lacksJsonBody = (response: HttpServerResponse.HttpServerResponse) =>
  response.body._tag === "Empty" || !(response.body.contentType ?? "").includes("json")

export const wrap = <E, R>(
  httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> =>
  httpEffect.pipe(
    Effect.catchCause((cause) => (Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : fromCause(cause))),
    Effect.map((response) =>
      response.status >= 400 && lacksJsonBody(response)
        ? HttpServerResponse.setHeaders(respond(forStatus(response.status)), response.headers)
        : response,
    ),
  )
