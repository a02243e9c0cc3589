import { Ids, type ProjectsRpc } from "@starform/domain"
import { Effect } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"

/**
 * Entries the projects service writes to the append-only audit log: revealing a secret value (written in the same
 * transaction as the read, so a reveal is never unrecorded) and pruning deployment history (what was removed).
 */

export interface Entry {
  readonly workspaceId: string
  /** Null: Starform itself (e.g. retention). */
  readonly actor: ProjectsRpc.ActingUser | null
  readonly action: string
  readonly targetType: string
  readonly targetId: string
  readonly metadata: Record<string, unknown>
}

export const record = Effect.fn("AuditTrail.record")(function* (sql: SqlClient.SqlClient, entry: Entry) {
  yield* sql`INSERT INTO audit_log ${sql.insert({
    id: Ids.newId("auditEntry"),
    workspaceId: entry.workspaceId,
    actorType: entry.actor?.type ?? "system",
    actorId: entry.actor?.id ?? null,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    ip: entry.actor?.ip ?? null,
    userAgent: entry.actor?.userAgent ?? null,
    outcome: "success",
    metadata: JSON.stringify(entry.metadata),
  })}`
})
