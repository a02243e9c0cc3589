import { Sql } from "@starform/db"
import { Columns, Ids } from "@starform/domain"
import { Context, Effect, Layer, Option, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/** The `source_uploads` table: each stored archive, its tenant, digest, size, uploader and expiry. */

export const SourceUpload = Schema.Struct({
  id: Ids.SourceUploadId,
  workspaceId: Ids.WorkspaceId,
  projectId: Ids.ProjectId,
  environmentId: Ids.EnvironmentId,
  serviceId: Ids.ServiceId,
  sha256: Schema.String,
  sizeBytes: Columns.Count,
  createdBy: Schema.NullOr(Schema.String),
})
export type SourceUpload = typeof SourceUpload.Type

const decode = Sql.decodeRows(SourceUpload)
const columns = "id, workspace_id, project_id, environment_id, service_id, sha256, size_bytes, created_by"

export class SourceUploads extends Context.Service<
  SourceUploads,
  {
    readonly insert: (upload: SourceUpload, lifetimeMs: number) => Effect.Effect<void>
    /** The upload, unless it has expired. */
    readonly get: (id: string) => Effect.Effect<Option.Option<SourceUpload>>
  }
>()("starform/builds/SourceUploads") {
  static readonly layer = Layer.effect(
    SourceUploads,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return SourceUploads.of(
        Sql.edge({
          insert: (upload: SourceUpload, lifetimeMs: number) =>
            sql`
              INSERT INTO source_uploads ${sql.insert({ ...upload, expiresAt: new Date(Date.now() + lifetimeMs) })}`.pipe(
              Effect.asVoid,
            ),
          get: (id: string) =>
            sql`SELECT ${sql.literal(columns)} FROM source_uploads WHERE id = ${id} AND expires_at > now()`.pipe(
              Effect.flatMap(decode),
              Effect.map((rows) => Option.fromNullishOr(rows[0])),
            ),
        }),
      )
    }),
  )
}
