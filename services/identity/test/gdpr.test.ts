import { expect, layer } from "@effect/vitest"
import { IdentityRpc, WorkspacesAccessApi } from "@starform/domain"
import { Effect, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { failure, Identity, layer as identityLayer, password, signup } from "./support.ts"

const audit = (actorId: string, workspaceId: string | null, action: string) =>
  new IdentityRpc.AuditRecord({
    workspaceId: workspaceId as never,
    actorType: "user",
    actorId,
    action,
    targetType: null,
    targetId: null,
    ip: "198.51.100.4",
    userAgent: "curl/8",
    outcome: "success",
    metadata: {},
  })

layer(identityLayer())("GDPR export and deletion", (it) => {
  it.effect("the export holds the account, its sessions, memberships, tokens and audit entries, and no secrets", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const sql = yield* SqlClient.SqlClient
      const person = yield* signup("Export Me")
      const workspace = yield* identity.CreateWorkspace({ actor: person.actor, request: { name: "Mine" as never } })
      const token = yield* identity.CreateToken({
        actor: person.actor,
        workspaceId: workspace.id,
        serviceAccountId: null,
        request: Schema.decodeUnknownSync(WorkspacesAccessApi.CreateTokenRequest)({
          name: "ci",
          scopes: ["read_only"],
        }),
      })
      yield* identity.RecordAudit({ record: audit(person.user.id, workspace.id, "workspace.create") })
      const exported = yield* identity.ExportAccount({ actor: person.actor })
      expect(exported.user.email).toBe(person.email)
      expect(exported.sessions).toHaveLength(1)
      expect(exported.memberships).toMatchObject([{ workspaceId: workspace.id, role: "owner" }])
      expect(exported.workspacesCreated.map((w) => w.id)).toEqual([workspace.id])
      expect(exported.apiTokens.map((t) => t.id)).toEqual([token.token.id])
      expect(exported.auditEntries.map((e) => e.action)).toEqual(["workspace.create"])
      const text = JSON.stringify(
        Schema.encodeSync(IdentityRpc.IdentityRpcs.requests.get("ExportAccount")!.successSchema)(exported),
      )
      const [secrets] = yield* sql<{
        passwordHash: string
      }>`SELECT password_hash FROM users WHERE id = ${person.user.id}`
      expect(text).not.toContain(secrets!.passwordHash)
      expect(text).not.toContain(token.secret)
      expect(text).not.toContain(person.tokens.refreshToken)
    }),
  )

  it.effect("deletion is refused, with the reason, while the person is the last owner of a workspace with others", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const owner = yield* signup("Last Owner")
      const colleague = yield* signup("Colleague")
      const shared = yield* identity.CreateWorkspace({ actor: owner.actor, request: { name: "Shared" as never } })
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO workspace_members ${sql.insert({ workspaceId: shared.id, userId: colleague.user.id, role: "developer" })}`
      const refused = yield* failure(identity.DeleteAccount({ actor: owner.actor, password, projectCounts: {} }))
      expect(refused.code).toBe("conflict")
      expect(refused.message).toContain(shared.id)
      expect(refused.message).toContain("last owner")
      const wrongPassword = yield* failure(
        identity.DeleteAccount({ actor: colleague.actor, password: "not the password", projectCounts: {} }),
      )
      expect(wrongPassword.code).toBe("unauthenticated")
      // nothing happened
      expect((yield* identity.GetMe({ actor: owner.actor })).id).toBe(owner.user.id)
    }),
  )

  it.effect(
    "deletion removes what only they own, revokes their tokens and sessions and pseudonymises their audit entries",
    () =>
      Effect.gen(function* () {
        const identity = yield* Identity
        const sql = yield* SqlClient.SqlClient
        const leaver = yield* signup("Leaver")
        const stayer = yield* signup("Stayer")
        const alone = yield* identity.CreateWorkspace({ actor: leaver.actor, request: { name: "Solo" as never } })
        const team = yield* identity.CreateWorkspace({ actor: stayer.actor, request: { name: "Team" as never } })
        yield* sql`INSERT INTO workspace_members ${sql.insert({ workspaceId: team.id, userId: leaver.user.id, role: "admin" })}`
        const token = yield* identity.CreateToken({
          actor: leaver.actor,
          workspaceId: team.id,
          serviceAccountId: null,
          request: Schema.decodeUnknownSync(WorkspacesAccessApi.CreateTokenRequest)({
            name: "mine",
            scopes: ["deploy"],
          }),
        })
        yield* identity.RecordAudit({ record: audit(leaver.user.id, team.id, "service.create") })
        yield* identity.RecordAudit({ record: audit(stayer.user.id, team.id, "service.update") })
        yield* identity.RecordAudit({
          record: new IdentityRpc.AuditRecord({
            ...audit(stayer.user.id, team.id, "member.update"),
            targetType: "member",
            targetId: leaver.user.id,
          }),
        })

        const { pseudonym } = yield* identity.DeleteAccount({ actor: leaver.actor, password, projectCounts: {} })
        expect(pseudonym).toMatch(/^pseudonym_[0-9a-z]+$/)

        expect(yield* sql`SELECT 1 FROM users WHERE id = ${leaver.user.id}`).toHaveLength(0)
        expect(yield* sql`SELECT 1 FROM workspaces WHERE id = ${alone.id}`).toHaveLength(0)
        expect(yield* sql`SELECT 1 FROM workspaces WHERE id = ${team.id}`).toHaveLength(1)
        expect(yield* sql`SELECT 1 FROM sessions WHERE user_id = ${leaver.user.id}`).toHaveLength(0)
        expect(yield* sql`SELECT 1 FROM email_outbox WHERE to_address = ${leaver.email}`).toHaveLength(0)
        expect((yield* failure(identity.AuthenticateToken({ secret: token.secret }))).code).toBe("unauthenticated")

        const entries = yield* sql<{ actorId: string; ip: string | null; userAgent: string | null; action: string }>`
          SELECT actor_id, host(ip) AS ip, user_agent, action FROM audit_log WHERE workspace_id = ${team.id} ORDER BY action`
        expect(entries).toEqual([
          { actorId: stayer.user.id, ip: "198.51.100.4", userAgent: "curl/8", action: "member.update" },
          { actorId: pseudonym, ip: null, userAgent: null, action: "service.create" },
          { actorId: stayer.user.id, ip: "198.51.100.4", userAgent: "curl/8", action: "service.update" },
        ])
        const about = yield* sql<{ targetId: string }>`SELECT target_id FROM audit_log WHERE action = 'member.update'`
        expect(about).toEqual([{ targetId: pseudonym }])
        expect(
          yield* sql`SELECT 1 FROM audit_log WHERE actor_id = ${leaver.user.id} OR target_id = ${leaver.user.id}`,
        ).toHaveLength(0)
      }),
  )
})
