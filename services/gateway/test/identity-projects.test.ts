import { expect, layer } from "@effect/vitest"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Harness from "./identityHarness.ts"

/** Where identity's workspaces and the projects service's projects meet: checked at the gateway, kept in identity. */

const budgets = { login: { capacity: 100, refillPerMinute: 100 } }

const join = (workspaceId: string, userId: string, role: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO workspace_members ${sql.insert({ workspaceId, userId, role })}`
  })

layer(TestDatabase.layer)("project roles, project tokens and deletions over the gateway", (it) => {
  it.effect("only a workspace member gets a project role, and leaving the workspace ends their project roles", () =>
    Effect.gen(function* () {
      const api = Harness.client((yield* Harness.start({ budgets })).baseUrl)
      const owner = yield* Harness.signup(api, "Owner")
      const member = yield* Harness.signup(api, "Member")
      const stranger = yield* Harness.signup(api, "Stranger")
      const workspaceId = yield* Harness.workspace(api, owner.token)
      yield* join(workspaceId, member.userId, "viewer")
      const project = (yield* Fixtures.project({ workspaceId })).id as string

      const granted = yield* api.put(`/v1/projects/${project}/members/${member.userId}`, { role: "admin" }, owner.token)
      expect(granted.status).toBe(200)
      expect(granted.body).toMatchObject({ projectId: project, userId: member.userId, role: "admin" })
      const outsider = yield* api.put(
        `/v1/projects/${project}/members/${stranger.userId}`,
        { role: "viewer" },
        owner.token,
      )
      expect(outsider.status).toBe(404)
      expect(outsider.body).toEqual({ code: "not_found", message: `No member with id ${stranger.userId} was found.` })
      const missing = `prj_${"0".repeat(24)}`
      const nowhere = yield* api.put(
        `/v1/projects/${missing}/members/${member.userId}`,
        { role: "viewer" },
        owner.token,
      )
      expect(nowhere.status).toBe(404)
      expect(nowhere.body.message).toBe(`No project with id ${missing} was found.`)

      expect((yield* api.delete(`/v1/workspaces/${workspaceId}/members/${member.userId}`, owner.token)).status).toBe(
        204,
      )
      const members = yield* api.get(`/v1/projects/${project}/members`, owner.token)
      expect(members.status).toBe(200)
      expect(members.body).toEqual([])
    }).pipe(Effect.scoped),
  )

  it.effect("a token names only a project of its own workspace", () =>
    Effect.gen(function* () {
      const api = Harness.client((yield* Harness.start({ budgets })).baseUrl)
      const owner = yield* Harness.signup(api, "Owner")
      const workspaceId = yield* Harness.workspace(api, owner.token)
      const elsewhere = (yield* Fixtures.project()).id as string
      const refused = yield* api.post(
        `/v1/workspaces/${workspaceId}/tokens`,
        { name: "sneaky", scopes: ["read_only"], projectId: elsewhere },
        owner.token,
      )
      expect(refused.status).toBe(404)
      expect(refused.body).toEqual({ code: "not_found", message: `No project with id ${elsewhere} was found.` })
      const account = yield* api.post(`/v1/workspaces/${workspaceId}/service-accounts`, { name: "ci" }, owner.token)
      expect(account.status).toBe(201)
      const viaAccount = yield* api.post(
        `/v1/service-accounts/${account.body.id}/tokens`,
        { name: "sneaky", scopes: ["read_only"], projectId: elsewhere },
        owner.token,
      )
      expect(viaAccount.status).toBe(404)
      expect((yield* api.get(`/v1/workspaces/${workspaceId}/tokens`, owner.token)).body).toEqual([])
    }).pipe(Effect.scoped),
  )

  it.effect("an account whose own workspace still has projects is not deleted until the projects are", () =>
    Effect.gen(function* () {
      const api = Harness.client((yield* Harness.start({ budgets })).baseUrl)
      const owner = yield* Harness.signup(api, "Owner")
      const workspaceId = yield* Harness.workspace(api, owner.token, "Solo")
      const project = yield* Fixtures.project({ workspaceId })

      const refused = yield* api.delete("/v1/me", owner.token, { password: Harness.password })
      expect(refused.status).toBe(409)
      expect(refused.body.message).toContain(`Your workspace "Solo" (${workspaceId}) cannot be deleted yet`)
      expect(refused.body.message).toContain("1 project(s)")
      expect((yield* api.get(`/v1/workspaces/${workspaceId}`, owner.token)).status).toBe(200)

      const sql = yield* SqlClient.SqlClient
      yield* sql`DELETE FROM projects WHERE id = ${project.id}`
      expect((yield* api.delete("/v1/me", owner.token, { password: Harness.password })).status).toBe(204)
      const [left] = yield* sql<{
        count: number
      }>`SELECT count(*)::int AS count FROM workspaces WHERE id = ${workspaceId}`
      expect(left!.count).toBe(0)
    }).pipe(Effect.scoped),
  )
})
