import { PublicApi } from "@starform/domain"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { OpenApi } from "effect/http-api"
import { type OpenApiDocument, render } from "./Render.ts"

/** `GET /reference`: the rendered API reference, built once from the same contract as `/openapi.json`. */
export const layer = HttpRouter.add(
  "GET",
  "/reference",
  HttpServerResponse.html(render(OpenApi.fromApi(PublicApi.Api) as unknown as OpenApiDocument)),
)
