import { NodeHttpClient } from "@effect/platform-node"
import { ApiErrors, type Ids, SourcesApi } from "@starform/domain"
import { Context, Effect, Layer, Schema, type Stream } from "effect"
import { HttpBody, HttpClient, HttpClientRequest } from "effect/http"
import { BuildsUrl } from "./BuildsClient.ts"

/**
 * Uploads of source archives, streamed through to the builds service's plain HTTP route (`POST /sources`): bytes
 * never pass through JSON RPC, and the gateway holds none of them. Its answers become the API's errors: 413 with
 * both sizes, 404 for a service not of the tenant's project, 400 for a body that is not an archive.
 */

const Refusal = Schema.Struct({ message: Schema.String })
const decodeRefusal = Schema.decodeUnknownEffect(Refusal)
const decodeView = Schema.decodeUnknownEffect(SourcesApi.SourceUploadView)

export interface Upload {
  readonly serviceId: Ids.ServiceId
  readonly projectId: Ids.ProjectId
  readonly workspaceId: Ids.WorkspaceId
  readonly createdBy: string | null
  /** The client's `Content-Length`, when it sent one. */
  readonly contentLength: number | undefined
}

export class SourceUploads extends Context.Service<
  SourceUploads,
  {
    readonly upload: (
      upload: Upload,
      body: Stream.Stream<Uint8Array, unknown>,
    ) => Effect.Effect<
      SourcesApi.SourceUploadView,
      ApiErrors.PayloadTooLarge | ApiErrors.NotFound | ApiErrors.ValidationFailed
    >
  }
>()("starform/gateway/SourceUploads") {
  static readonly layer = Layer.effect(
    SourceUploads,
    Effect.gen(function* () {
      const baseUrl = yield* BuildsUrl
      const client = yield* HttpClient.HttpClient
      return SourceUploads.of({
        upload: Effect.fn("SourceUploads.upload")(function* (upload, body) {
          const query = new URLSearchParams({
            serviceId: upload.serviceId,
            projectId: upload.projectId,
            workspaceId: upload.workspaceId,
            ...(upload.createdBy === null ? {} : { createdBy: upload.createdBy }),
          })
          const response = yield* client
            .execute(
              HttpClientRequest.post(`${baseUrl}/sources?${query}`).pipe(
                HttpClientRequest.setBody(HttpBody.stream(body, SourcesApi.contentType, upload.contentLength)),
              ),
            )
            .pipe(Effect.orDie)
          const json = yield* response.json.pipe(Effect.orDie)
          if (response.status === 201) return yield* decodeView(json).pipe(Effect.orDie)
          const { message } = yield* decodeRefusal(json).pipe(Effect.orDie)
          if (response.status === 413) return yield* new ApiErrors.PayloadTooLarge({ message })
          if (response.status === 404) return yield* ApiErrors.NotFound.of("service", upload.serviceId)
          if (response.status === 400) return yield* ApiErrors.ValidationFailed.field("", "body", message)
          return yield* Effect.die(new Error(`builds answered an upload with ${response.status}: ${message}`))
        }),
      })
    }),
  ).pipe(Layer.provide(NodeHttpClient.layerUndici))
}
