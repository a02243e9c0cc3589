import { ApiErrors, Violations } from "@starform/domain"
import { Schema } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpApiError } from "effect/http-api"
import * as UnknownRoutes from "./UnknownRoutes.ts"

/** The API's error classes: one `code`, one status each, one JSON body shape (`{ code, message, … }`). */
export type ApiError =
  | ApiErrors.ValidationFailed
  | ApiErrors.Unauthenticated
  | ApiErrors.Forbidden
  | ApiErrors.NotFound
  | ApiErrors.Conflict
  | ApiErrors.RateLimited
  | ApiErrors.PayloadTooLarge
  | ApiErrors.UnsupportedMediaType
  | ApiErrors.Internal

const classes = [
  ApiErrors.ValidationFailed,
  ApiErrors.Unauthenticated,
  ApiErrors.Forbidden,
  ApiErrors.NotFound,
  ApiErrors.Conflict,
  ApiErrors.RateLimited,
  ApiErrors.PayloadTooLarge,
  ApiErrors.UnsupportedMediaType,
  ApiErrors.Internal,
] as const

export const isApiError = (value: unknown): value is ApiError => classes.some((c) => value instanceof c)

const encode = Schema.encodeUnknownSync(Schema.Union(classes))

/** The response for an API error: its status and its JSON body (without the internal `_tag`). */
export const respond = (error: ApiError): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe(encode(error), { status: ApiErrors.statusOf[error.code] })

/** A body that is not JSON at all. */
export const notJson = new ApiErrors.ValidationFailed({
  message: "The request body is not valid JSON.",
  field: "",
  rule: "json",
})

/** A request that failed its schema: which field broke which rule. */
export const validationFailed = (error: HttpApiError.HttpApiSchemaError): ApiErrors.ValidationFailed => {
  // The builder reports a body `JSON.parse` refused as a bare value issue at the root; a schema never does.
  if (error.kind === "Payload" && error.cause.issue._tag === "InvalidValue") return notJson
  const violations = Violations.fromIssue(error.cause.issue)
  const failure = ApiErrors.ValidationFailed.fromViolations(violations)
  if (failure.field !== undefined || error.kind !== "Payload") return failure
  return new ApiErrors.ValidationFailed({ ...failure, message: "The request body must be a JSON object." })
}

/** The body an empty error response of `status` gets, so that no 4xx/5xx answer is without a JSON body. */
export const forStatus = (status: number): ApiError => {
  switch (status) {
    case 400:
      return new ApiErrors.ValidationFailed({ message: "The request could not be read: send a JSON body." })
    case 413:
      return new ApiErrors.PayloadTooLarge({ message: "The request body is larger than the API accepts." })
    case 415:
      return new ApiErrors.UnsupportedMediaType({
        message:
          "The request must be JSON sent as Content-Type: application/json, without an unsupported Content-Encoding.",
      })
    case 401:
      return new ApiErrors.Unauthenticated({ message: "Sign in or send a token as Authorization: Bearer <token>." })
    case 403:
      return new ApiErrors.Forbidden({ message: "This is not allowed." })
    case 404:
    case 405:
      return UnknownRoutes.notFound
    case 409:
      return new ApiErrors.Conflict({ message: "The request conflicts with the current state." })
    case 429:
      return new ApiErrors.RateLimited({ message: "Too many requests: retry later.", retryAfterSeconds: 60 })
    default:
      return internal
  }
}

export const internal = new ApiErrors.Internal({
  message: "Something went wrong on Starform's side. It has been logged; try again shortly.",
})
