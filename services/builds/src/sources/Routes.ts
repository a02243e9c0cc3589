import { Ids, SourcesApi } from "@starform/domain"
import { Clock, Effect, Option, Schema } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { Projects } from "../Projects.ts"
import * as Links from "./Links.ts"
import { SourceStore } from "./SourceStore.ts"
import { SourceUploads } from "./SourceUploads.ts"

/**
 * The builds service's plain HTTP routes for source archives (bytes never go through JSON RPC):
 * - `POST /sources?serviceId&projectId&workspaceId[&createdBy]`: the gateway, having authorized the request on the
 *   service's tenant, streams an upload's body here; it is stored and recorded. 201 `{ id, sizeBytes, sha256 }`,
 *   413 over the limit (nothing kept), 404 when the service is not of that project.
 * - `GET /sources/:id/archive?expires&signature`: a build Job fetches its archive through a link the pipeline signed.
 */

/** Who the gateway says the upload is for (it has authorized the request there). */
const UploadQuery = Schema.Struct({
  serviceId: Ids.ServiceId,
  projectId: Ids.ProjectId,
  workspaceId: Ids.WorkspaceId,
  createdBy: Schema.optionalKey(Schema.String),
})
const decodeQuery = Schema.decodeUnknownOption(UploadQuery)

const json = (status: number, body: unknown) => HttpServerResponse.jsonUnsafe(body, { status })
const refusal = (status: number, message: string) => json(status, { message })

export const layer = HttpRouter.use((router) =>
  Effect.gen(function* () {
    const store = yield* SourceStore
    const uploads = yield* SourceUploads
    const projects = yield* Projects
    const key = yield* Links.SigningKey

    yield* router.add("POST", "/sources", (request) =>
      Effect.gen(function* () {
        const query = decodeQuery(Object.fromEntries(new URL(request.url, "http://builds").searchParams))
        if (Option.isNone(query)) return refusal(400, "serviceId, projectId and workspaceId are required.")
        const { serviceId, projectId, workspaceId } = query.value
        const length = Number(request.headers["content-length"] ?? Number.NaN)
        if (length > SourcesApi.maxBytes) return refusal(413, SourcesApi.tooLargeMessage(length))
        const service = yield* projects.GetService({ serviceId }).pipe(Effect.option)
        if (Option.isNone(service) || service.value.projectId !== projectId)
          return refusal(404, `The service ${serviceId} was not found.`)
        const id = Ids.newId("sourceUpload")
        const stored = yield* store.put({ projectId, id }, request.stream).pipe(Effect.result)
        if (stored._tag === "Failure") {
          return stored.failure._tag === "SourceTooLarge"
            ? refusal(413, SourcesApi.tooLargeMessage(Number.isFinite(length) ? length : null))
            : refusal(400, "The upload's body could not be read to its end.")
        }
        if (stored.success.sizeBytes === 0) {
          yield* store.remove({ projectId, id })
          return refusal(400, "The upload is empty: send the folder's gzipped tar as the body.")
        }
        yield* uploads.insert(
          {
            id,
            workspaceId,
            projectId,
            environmentId: service.value.environmentId,
            serviceId,
            sha256: stored.success.sha256,
            sizeBytes: BigInt(stored.success.sizeBytes),
            createdBy: query.value.createdBy ?? null,
          },
          SourcesApi.lifetimeMs,
        )
        return json(201, { id, sizeBytes: stored.success.sizeBytes, sha256: stored.success.sha256 })
      }),
    )

    yield* router.add("GET", "/sources/:id/archive", (request) =>
      Effect.gen(function* () {
        const url = new URL(request.url, "http://builds")
        const id = decodeURIComponent(url.pathname.split("/")[2] ?? "")
        const expires = Number(url.searchParams.get("expires"))
        const signature = url.searchParams.get("signature") ?? ""
        if (!Links.verify(key, id, expires, signature, yield* Clock.currentTimeMillis))
          return refusal(403, "This link to a source archive is not valid or has expired.")
        const upload = yield* uploads.get(id)
        if (Option.isNone(upload)) return refusal(404, `The source upload ${id} was not found or has expired.`)
        const body = yield* store.read({ projectId: upload.value.projectId, id })
        if (body === null) return refusal(404, `The source upload ${id} is no longer stored.`)
        return HttpServerResponse.stream(body, {
          contentType: SourcesApi.contentType,
          contentLength: Number(upload.value.sizeBytes),
        })
      }),
    )
  }),
)
