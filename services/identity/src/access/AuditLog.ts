import { Sql } from "@starform/db"
import { ApiErrors, Audit, type IdentityRpc, Ids, WorkspacesAccessApi } from "@starform/domain"
import { Context, DateTime, Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { inet } from "../store/Inet.ts"

/**
 * The audit log: appended to, read, and nothing else. There is deliberately no update or delete here; GDPR erasure
 * (`Gdpr`) is the one writer that changes rows, and only as the database trigger allows.
 */

// `position` is occurred_at to the microsecond, which a JavaScript Date would round to the millisecond.
const columns =
  "occurred_at::text AS position, id, occurred_at, workspace_id, actor_type, actor_id, action, target_type, target_id, host(ip) AS ip, user_agent, outcome, metadata, created_at"

const defaultLimit = 50

/** A page boundary: the last entry's time and id, so paging is stable while entries are appended. */
const encodeCursor = (position: string, id: string) => Buffer.from(`${position}|${id}`).toString("base64url")

const badCursor = ApiErrors.ValidationFailed.field("cursor", "cursor", "must be the nextCursor of a previous page")

const decodeCursor = (cursor: string) =>
  Effect.gen(function* () {
    const [at, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|")
    const time = at === undefined ? Number.NaN : Date.parse(at)
    if (rest.length > 0 || id === undefined || !/^aud_[0-9a-z]{24}$/.test(id) || Number.isNaN(time)) {
      return yield* badCursor
    }
    return { at, id }
  })

export class AuditLog extends Context.Service<
  AuditLog,
  {
    readonly record: (record: IdentityRpc.AuditRecord) => Effect.Effect<void>
    readonly page: (
      workspaceId: string,
      query: WorkspacesAccessApi.AuditQuery,
    ) => Effect.Effect<WorkspacesAccessApi.AuditPage, ApiErrors.ValidationFailed>
  }
>()("starform/identity/AuditLog") {
  static readonly layer = Layer.effect(
    AuditLog,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient

      const record = Effect.fn("AuditLog.record")(function* (record: IdentityRpc.AuditRecord) {
        yield* sql`INSERT INTO audit_log ${sql.insert({
          id: Ids.newId("auditEntry"),
          workspaceId: record.workspaceId,
          actorType: record.actorType,
          actorId: record.actorId,
          action: record.action,
          targetType: record.targetType,
          targetId: record.targetId,
          ip: inet(record.ip),
          userAgent: record.userAgent?.slice(0, 512) ?? null,
          outcome: record.outcome,
          metadata: JSON.stringify(record.metadata),
        })}`
      })

      const page = Effect.fn("AuditLog.page")(function* (workspaceId: string, query: WorkspacesAccessApi.AuditQuery) {
        const limit = query.limit ?? defaultLimit
        const after = query.cursor === undefined ? undefined : yield* decodeCursor(query.cursor)
        const filters = [
          sql`workspace_id = ${workspaceId}`,
          ...(query.action === undefined ? [] : [sql`action = ${query.action}`]),
          ...(query.actorId === undefined ? [] : [sql`actor_id = ${query.actorId}`]),
          ...(query.targetType === undefined ? [] : [sql`target_type = ${query.targetType}`]),
          ...(query.targetId === undefined ? [] : [sql`target_id = ${query.targetId}`]),
          ...(query.outcome === undefined ? [] : [sql`outcome = ${query.outcome}`]),
          ...(query.since === undefined ? [] : [sql`occurred_at >= ${DateTime.toDate(query.since)}`]),
          ...(query.until === undefined ? [] : [sql`occurred_at < ${DateTime.toDate(query.until)}`]),
          ...(after === undefined ? [] : [sql`(occurred_at, id) < (${after.at}::timestamptz, ${after.id})`]),
        ]
        const rows = yield* sql<{
          readonly position: string
          readonly id: string
        }>`SELECT ${sql.literal(columns)} FROM audit_log WHERE ${sql.and(filters)}
          ORDER BY occurred_at DESC, id DESC LIMIT ${limit + 1}`
        const kept = rows.slice(0, limit)
        const entries = yield* Sql.decodeRows(Audit.AuditEntry)(kept)
        const last = kept[kept.length - 1]
        return new WorkspacesAccessApi.AuditPage({
          entries,
          nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.position, last.id) : null,
        })
      })

      return AuditLog.of(Sql.edge({ record, page }))
    }),
  )
}
