import { ApiErrors } from "@starform/domain"
import type { HttpServerRequest } from "effect/http"

/**
 * What a path no route serves answers: a JSON 404, for every method and path. The one place to change when other
 * paths get another answer (e.g. the dashboard serving its web app for GETs outside `/v1`).
 */

export const notFound = new ApiErrors.NotFound({ message: "There is no such route: see /reference for the API." })

/** The error a request for `request`'s path answers with when no route serves it. */
export const answer = (_request: HttpServerRequest.HttpServerRequest): ApiErrors.NotFound => notFound
