import { expect, layer } from "@effect/vitest"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Harness from "./identityHarness.ts"

const outboxToken = (to: string, template: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ body: string }>`SELECT body FROM email_outbox WHERE to_address = ${to}
      AND template = ${template} ORDER BY created_at DESC LIMIT 1`
    return decodeURIComponent(/token=([^\s&]+)/.exec(rows[0]?.body ?? "")?.[1] ?? "")
  })

const budgets = { login: { capacity: 100, refillPerMinute: 100 } }

layer(TestDatabase.layer)("workspaces, members and the audit log over the gateway", (it) => {
  it.effect("an invitation is emailed, accepted only by its address, and roles then decide what a member may do", () =>
    Effect.gen(function* () {
      const api = Harness.client((yield* Harness.start({ budgets })).baseUrl)
      const owner = yield* Harness.signup(api, "Owner")
      const invitee = yield* Harness.signup(api, "Invitee")
      const stranger = yield* Harness.signup(api, "Stranger")
      const workspaceId = yield* Harness.workspace(api, owner.token)

      const invited = yield* api.post(
        `/v1/workspaces/${workspaceId}/invitations`,
        { email: invitee.email.toUpperCase(), role: "developer" },
        owner.token,
      )
      expect(invited.status).toBe(201)
      expect(JSON.stringify(invited.body)).not.toContain("token")
      const token = yield* outboxToken(invitee.email, "invitation")
      expect(token).not.toBe("")

      const wrongPerson = yield* api.post("/v1/me/invitations/accept", { token }, stranger.token)
      expect(wrongPerson.status).toBe(403)
      const accepted = yield* api.post("/v1/me/invitations/accept", { token }, invitee.token)
      expect(accepted.status).toBe(200)
      expect(accepted.body).toMatchObject({ workspaceId, role: "developer" })
      expect((yield* api.post("/v1/me/invitations/accept", { token }, invitee.token)).status).toBe(404)

      // a developer can read the workspace but not manage its members, and cannot make themselves owner
      expect((yield* api.get(`/v1/workspaces/${workspaceId}`, invitee.token)).status).toBe(200)
      const promote = yield* api.patch(
        `/v1/workspaces/${workspaceId}/members/${invitee.userId}`,
        { role: "owner" },
        invitee.token,
      )
      expect(promote.status).toBe(403)
      // the last owner cannot step down or be removed
      const stepDown = yield* api.patch(
        `/v1/workspaces/${workspaceId}/members/${owner.userId}`,
        { role: "admin" },
        owner.token,
      )
      expect(stepDown.status).toBe(409)
      expect(stepDown.body.message).toContain("last owner")
      const upgraded = yield* api.patch(
        `/v1/workspaces/${workspaceId}/members/${invitee.userId}`,
        { role: "admin" },
        owner.token,
      )
      expect(upgraded.body.role).toBe("admin")
      expect((yield* api.get(`/v1/workspaces/${workspaceId}/audit-log`, invitee.token)).status).toBe(200)

      // an admin cannot delete the workspace; its owner can, once its projects are gone
      expect((yield* api.delete(`/v1/workspaces/${workspaceId}`, invitee.token)).status).toBe(403)
      const project = yield* Fixtures.project({ workspaceId })
      const refused = yield* api.delete(`/v1/workspaces/${workspaceId}`, owner.token)
      expect(refused.status).toBe(409)
      expect(refused.body.message).toContain("1 project(s)")
      const sql = yield* SqlClient.SqlClient
      yield* sql`DELETE FROM projects WHERE id = ${project.id}`
      expect((yield* api.delete(`/v1/workspaces/${workspaceId}`, owner.token)).status).toBe(204)
      expect((yield* api.get(`/v1/workspaces/${workspaceId}`, owner.token)).status).toBe(404)
      expect((yield* api.get("/v1/me/memberships", invitee.token)).body).toEqual([])
    }).pipe(Effect.scoped),
  )

  it.effect("every mutating request is audited with actor, action, target, address, user agent and outcome", () =>
    Effect.gen(function* () {
      const api = Harness.client((yield* Harness.start({ budgets })).baseUrl)
      const owner = yield* Harness.signup(api, "Owner")
      const viewer = yield* Harness.signup(api, "Viewer")
      const workspaceId = yield* Harness.workspace(api, owner.token)
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO workspace_members ${sql.insert({ workspaceId, userId: viewer.userId, role: "viewer" })}`

      const token = yield* api.post(
        `/v1/workspaces/${workspaceId}/tokens`,
        { name: "ci", scopes: ["read_only"] },
        owner.token,
      )
      expect((yield* api.patch(`/v1/workspaces/${workspaceId}`, { name: "Renamed" }, viewer.token)).status).toBe(403)
      expect((yield* api.patch(`/v1/workspaces/${workspaceId}`, { name: "Renamed" }, token.body.secret)).status).toBe(
        403,
      )

      const page = yield* api.get(`/v1/workspaces/${workspaceId}/audit-log`, owner.token)
      expect(page.status).toBe(200)
      const entries = page.body.entries as Array<Record<string, unknown>>
      expect(entries.map((e) => [e.action, e.actorType, e.actorId, e.outcome])).toEqual([
        ["workspace.update", "api_token", token.body.token.id, "denied"],
        ["workspace.update", "user", viewer.userId, "denied"],
        ["token.create", "user", owner.userId, "success"],
        ["workspace.create", "user", owner.userId, "success"],
      ])
      expect(entries[2]).toMatchObject({
        targetType: "workspace",
        targetId: workspaceId,
        ip: "127.0.0.1",
        userAgent: "node",
      })
      expect(JSON.stringify(entries)).not.toContain(token.body.secret)

      const denied = yield* api.get(`/v1/workspaces/${workspaceId}/audit-log?outcome=denied&limit=1`, owner.token)
      expect(denied.body.entries).toHaveLength(1)
      expect(denied.body.nextCursor).not.toBeNull()
      const next = yield* api.get(
        `/v1/workspaces/${workspaceId}/audit-log?outcome=denied&limit=1&cursor=${denied.body.nextCursor}`,
        owner.token,
      )
      expect(next.body.entries[0].actorId).toBe(viewer.userId)
      expect((yield* api.get(`/v1/workspaces/${workspaceId}/audit-log`, viewer.token)).status).toBe(403)
      expect((yield* api.get(`/v1/workspaces/${workspaceId}/audit-log?limit=500`, owner.token)).body).toMatchObject({
        code: "validation_failed",
        field: "limit",
      })
    }).pipe(Effect.scoped),
  )

  it.effect("deleting an account over the API leaves only a pseudonym in the audit log", () =>
    Effect.gen(function* () {
      const api = Harness.client((yield* Harness.start({ budgets })).baseUrl)
      const owner = yield* Harness.signup(api, "Owner")
      const leaver = yield* Harness.signup(api, "Leaver")
      const workspaceId = yield* Harness.workspace(api, owner.token)
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO workspace_members ${sql.insert({ workspaceId, userId: leaver.userId, role: "admin" })}`
      yield* api.post(`/v1/workspaces/${workspaceId}/service-accounts`, { name: "bot" }, leaver.token)

      const exported = yield* api.get("/v1/me/export", leaver.token)
      expect(exported.status).toBe(200)
      expect(exported.body.user.email).toBe(leaver.email)
      expect(exported.body.auditEntries.map((e: { action: string }) => e.action)).toContain("service_account.create")

      const wrong = yield* api.delete("/v1/me", leaver.token, { password: "not my password!" })
      expect(wrong.status).toBe(401)
      const gone = yield* api.delete("/v1/me", leaver.token, { password: Harness.password })
      expect(gone.status).toBe(204)
      expect((yield* api.get("/v1/me", leaver.token)).status).toBe(401)

      const rows = yield* sql<{ actorId: string; action: string }>`SELECT actor_id, action FROM audit_log
        WHERE action IN ('service_account.create', 'account.delete') ORDER BY occurred_at`
      expect(rows.map((row) => row.action)).toEqual(["service_account.create", "account.delete"])
      expect(rows[0]!.actorId).toMatch(/^pseudonym_/)
      expect(rows[1]!.actorId).toBe(rows[0]!.actorId)
      expect(
        yield* sql`SELECT 1 FROM audit_log WHERE actor_id = ${leaver.userId} OR target_id = ${leaver.userId}`,
      ).toHaveLength(0)
    }).pipe(Effect.scoped),
  )

  it.effect("the API reference page lists every route of the contract", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start()
      const page = yield* Effect.promise(() => fetch(`${baseUrl}/reference`).then((r) => r.text()))
      const spec = (yield* Harness.request(baseUrl, "GET", "/openapi.json")).body as { paths: Record<string, object> }
      expect(page).toContain("<title>Starform API reference</title>")
      for (const [path, operations] of Object.entries(spec.paths)) {
        for (const method of Object.keys(operations)) {
          expect(page).toContain(`<span class="method ${method}">${method.toUpperCase()}</span> <code>${path}</code>`)
        }
      }
    }).pipe(Effect.scoped),
  )
})
