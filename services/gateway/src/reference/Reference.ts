import { ApiDocument } from "@starform/domain"
import { Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { render } from "./Render.ts"

/**
 * `GET /openapi.json`, the contract's OpenAPI document (`ApiDocument`: it names components and declares what the
 * generator alone cannot, which is why it is served here rather than by `HttpApiBuilder`'s `openapiPath`), and
 * `GET /reference`, the same document rendered for people. Both are built once.
 */
export const layer = Layer.mergeAll(
  HttpRouter.add("GET", "/openapi.json", HttpServerResponse.jsonUnsafe(ApiDocument.document())),
  HttpRouter.add("GET", "/reference", HttpServerResponse.html(render(ApiDocument.document()))),
)
