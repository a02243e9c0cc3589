import { expect, layer } from "@effect/vitest"
import { Sql } from "@starform/db"
import { IdentityRpc, WorkspacesAccessApi } from "@starform/domain"
import { Fixtures } from "@starform/testkit"
import { Effect, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { AuditLog } from "../src/access/AuditLog.ts"
import { failure, Identity, layer as identityLayer } from "./support.ts"

const { constraintOf } = Sql

const query = (q: Record<string, string>) => Schema.decodeUnknownSync(WorkspacesAccessApi.AuditQuery)(q)

const record = (workspaceId: string, n: number, outcome: "success" | "denied" = "success") =>
  new IdentityRpc.AuditRecord({
    workspaceId: workspaceId as never,
    actorType: n % 2 === 0 ? "user" : "api_token",
    actorId: n % 2 === 0 ? "usr_000000000000000000000001" : "tok_000000000000000000000001",
    action: n % 3 === 0 ? "service.create" : "deployment.create",
    targetType: "service",
    targetId: `svc_${String(n).padStart(24, "0")}`,
    ip: "192.0.2.1",
    userAgent: "test",
    outcome,
    metadata: { n },
  })

layer(identityLayer())("the audit log", (it) => {
  it.effect("pages newest first with a cursor that never repeats or skips an entry, and filters", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const workspace = yield* Fixtures.workspace()
      const other = yield* Fixtures.workspace()
      for (let n = 0; n < 12; n++) yield* identity.RecordAudit({ record: record(workspace.id, n) })
      yield* identity.RecordAudit({ record: record(other.id, 99) })

      const seen: Array<number> = []
      let cursor: string | null = null
      do {
        const page: WorkspacesAccessApi.AuditPage = yield* identity.ListAuditLog({
          workspaceId: workspace.id as never,
          query: query({ limit: "5", ...(cursor === null ? {} : { cursor }) }),
        })
        seen.push(...page.entries.map((entry) => entry.metadata.n as number))
        cursor = page.nextCursor
      } while (cursor !== null)
      expect(seen).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0])

      const creates = yield* identity.ListAuditLog({
        workspaceId: workspace.id as never,
        query: query({ action: "service.create", actorId: "usr_000000000000000000000001" }),
      })
      expect(creates.entries.map((e) => e.metadata.n)).toEqual([6, 0])
      expect(creates.entries[0]).toMatchObject({
        actorType: "user",
        ip: "192.0.2.1",
        userAgent: "test",
        outcome: "success",
      })

      const bad = yield* failure(
        identity.ListAuditLog({ workspaceId: workspace.id as never, query: query({ cursor: "not-a-cursor" }) }),
      )
      expect(bad).toMatchObject({ code: "validation_failed", field: "cursor" })
    }),
  )

  it.effect("the code can only append and read: the audit service has no other operation, and the table refuses", () =>
    Effect.gen(function* () {
      const log = yield* AuditLog
      expect(Object.keys(log).sort()).toEqual(["page", "record"])
      const sql = yield* SqlClient.SqlClient
      const entry = yield* Fixtures.auditEntry()
      const update = yield* Effect.flip(sql`UPDATE audit_log SET action = 'tampered' WHERE id = ${entry.id}`)
      const remove = yield* Effect.flip(sql`DELETE FROM audit_log WHERE id = ${entry.id}`)
      expect(constraintOf(update)).toBe("audit_log_append_only")
      expect(constraintOf(remove)).toBe("audit_log_append_only")
    }).pipe(Effect.provide(AuditLog.layer)),
  )
})
