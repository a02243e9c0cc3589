import { expect, layer } from "@effect/vitest"
import { PublicApi } from "@starform/domain"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import { HttpApi, OpenApi } from "effect/http-api"
import * as SqlClient from "effect/sql/SqlClient"
import * as Harness from "./identityHarness.ts"

/**
 * Each workspace, access, projects, builds and GitHub endpoint declares in the contract the action it requires and
 * where its tenant comes from (or, for creating and listing workspaces, that it has none and why); one middleware
 * applies it. What a user sees: the OpenAPI document names the permission, a malformed id
 * is still a validation error (not a lookup), and the audit log names the action and the resource it was aimed at.
 */

/** The groups whose endpoints are authorized from their declaration (identity's own account routes are person-only). */
const declared = new Set([
  "workspaces",
  "access",
  "projects",
  "services",
  "variables",
  "deployments",
  "builds",
  "github",
])

layer(TestDatabase.layer, { timeout: 60_000 })("authorization declared on the endpoint", (it) => {
  it("the OpenAPI document names the permission and tenant of every endpoint that declares one", () => {
    const spec = OpenApi.fromApi(PublicApi.Api)
    const operation = (path: string, method: "get" | "post" | "put" | "patch" | "delete") =>
      (spec.paths[path]?.[method] ?? {}) as Record<string, unknown>
    expect(operation("/v1/services/{serviceId}/deployments", "post")).toMatchObject({
      "x-starform-permission": "deployment.create",
      "x-starform-tenant": "service :serviceId",
    })
    expect(operation("/v1/builds/{buildId}/cancel", "post")["x-starform-permission"]).toBe("build.cancel")
    expect(operation("/v1/workspaces/{workspaceId}/projects", "get")).toMatchObject({
      "x-starform-permission": "project.read",
      "x-starform-tenant": "workspace :workspaceId",
    })
    expect(operation("/v1/tokens/{tokenId}", "delete")).toMatchObject({
      "x-starform-permission": "token.revoke",
      "x-starform-tenant": "api_token :tokenId",
    })
    expect(operation("/v1/workspaces/{workspaceId}/members/{userId}", "patch")).toMatchObject({
      "x-starform-permission": "member.update",
      "x-starform-tenant": "workspace :workspaceId",
    })
    expect(operation("/v1/workspaces", "post")).toMatchObject({
      "x-starform-tenant": "none",
      "x-starform-tenantless": "creates a new tenant",
    })
    expect(operation("/v1/workspaces", "post")["x-starform-permission"]).toBeUndefined()
    const undeclared: Array<string> = []
    let count = 0
    HttpApi.reflect(PublicApi.Api, {
      onGroup: () => {},
      onEndpoint: ({ group, endpoint }) => {
        if (!declared.has(group.identifier)) return
        count++
        const path = endpoint.path.replace(/:(\w+)/g, "{$1}")
        const method = endpoint.method.toLowerCase() as "get" | "post" | "put" | "patch" | "delete"
        const declaration = operation(path, method)
        const tenantless = declaration["x-starform-tenant"] === "none" && declaration["x-starform-tenantless"]
        if (typeof declaration["x-starform-permission"] !== "string" && typeof tenantless !== "string") {
          undeclared.push(endpoint.name)
        }
      },
    })
    expect(count).toBeGreaterThan(60)
    expect(undeclared).toEqual([])
  })

  it.effect("a malformed id answers 400 naming it; the audit log names the action and target of each write", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const { baseUrl } = yield* Harness.start()
      const api = Harness.client(baseUrl)
      const owner = yield* Harness.signup(api, "Owner")
      const viewer = yield* Harness.signup(api, "Viewer")
      const workspaceId = yield* Harness.workspace(api, owner.token)
      yield* sql`INSERT INTO workspace_members ${sql.insert({ workspaceId, userId: viewer.userId, role: "viewer" })}`
      const project = yield* Fixtures.project({ workspaceId })
      const service = yield* Fixtures.service({ projectId: project.id })
      const varGroup = yield* Fixtures.varGroup({ projectId: project.id })

      const malformed = yield* api.get("/v1/services/not a service id/deployments", owner.token)
      expect(malformed.status).toBe(400)
      expect(malformed.body).toMatchObject({ code: "validation_failed", field: "serviceId" })

      expect((yield* api.post(`/v1/services/${service.id}/deployments`, {}, viewer.token)).status).toBe(403)
      expect((yield* api.delete(`/v1/var-groups/${varGroup.id}`, owner.token)).status).toBe(204)

      const log = yield* api.get(`/v1/workspaces/${workspaceId}/audit-log`, owner.token)
      const entries = log.body.entries as Array<Record<string, unknown>>
      expect(entries.slice(0, 2).map((e) => [e.action, e.targetType, e.targetId, e.actorId, e.outcome])).toEqual([
        ["variable.write", "var group", varGroup.id, owner.userId, "success"],
        ["deployment.create", "service", service.id, viewer.userId, "denied"],
      ])
    }).pipe(Effect.scoped),
  )

  it.effect(
    "identity's routes: a token or service account is located by identity; the audit log names what was aimed at",
    () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const { baseUrl } = yield* Harness.start()
        const api = Harness.client(baseUrl)
        const owner = yield* Harness.signup(api, "Owner")
        const viewer = yield* Harness.signup(api, "Viewer")
        const stranger = yield* Harness.signup(api, "Stranger")
        const workspaceId = yield* Harness.workspace(api, owner.token)
        yield* Harness.workspace(api, stranger.token, "Stranger's")
        yield* sql`INSERT INTO workspace_members ${sql.insert({ workspaceId, userId: viewer.userId, role: "viewer" })}`

        const demote = yield* api.patch(
          `/v1/workspaces/${workspaceId}/members/${owner.userId}`,
          { role: "viewer" },
          viewer.token,
        )
        expect(demote.status).toBe(403)
        const token = yield* api.post(
          `/v1/workspaces/${workspaceId}/tokens`,
          { name: "ci", scopes: ["read_only"] },
          owner.token,
        )
        expect(token.status).toBe(201)
        const tokenId = token.body.token.id as string
        // another workspace's member cannot see the token: 404 worded as for a missing one
        const foreign = yield* api.delete(`/v1/tokens/${tokenId}`, stranger.token)
        expect(foreign.status).toBe(404)
        expect(foreign.body.code).toBe("not_found")
        expect(JSON.stringify(foreign.body)).not.toContain(workspaceId)
        expect((yield* api.delete(`/v1/tokens/${tokenId}`, owner.token)).status).toBe(204)
        const robot = yield* api.post(`/v1/workspaces/${workspaceId}/service-accounts`, { name: "robot" }, owner.token)
        expect(robot.status).toBe(201)
        expect((yield* api.delete(`/v1/service-accounts/${robot.body.id}`, viewer.token)).status).toBe(403)

        const log = yield* api.get(`/v1/workspaces/${workspaceId}/audit-log`, owner.token)
        const entries = log.body.entries as Array<Record<string, unknown>>
        expect(entries.slice(0, 6).map((e) => [e.action, e.targetType, e.targetId, e.actorId, e.outcome])).toEqual([
          ["service_account.delete", "service account", robot.body.id, viewer.userId, "denied"],
          ["service_account.create", "workspace", workspaceId, owner.userId, "success"],
          ["token.revoke", "API token", tokenId, owner.userId, "success"],
          // the stranger's attempt is on this workspace's record, as any refused attempt on its resources is
          ["token.revoke", "API token", tokenId, stranger.userId, "denied"],
          ["token.create", "workspace", workspaceId, owner.userId, "success"],
          ["member.update", "member", owner.userId, viewer.userId, "denied"],
        ])
      }).pipe(Effect.scoped),
  )
})
