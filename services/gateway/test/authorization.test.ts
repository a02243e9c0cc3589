import { expect, layer } from "@effect/vitest"
import { PublicApi } from "@starform/domain"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import { HttpApi, OpenApi } from "effect/http-api"
import * as SqlClient from "effect/sql/SqlClient"
import * as Harness from "./identityHarness.ts"

/**
 * Each projects, builds and GitHub endpoint declares in the contract the action it requires and where its tenant
 * comes from; one middleware applies it. What a user sees: the OpenAPI document names the permission, a malformed id
 * is still a validation error (not a lookup), and the audit log names the action and the resource it was aimed at.
 */

/** The groups whose endpoints are authorized from their declaration (identity's still authorize in their handlers). */
const declared = new Set(["projects", "services", "variables", "deployments", "builds", "github"])

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
    const undeclared: Array<string> = []
    let count = 0
    HttpApi.reflect(PublicApi.Api, {
      onGroup: () => {},
      onEndpoint: ({ group, endpoint }) => {
        if (!declared.has(group.identifier)) return
        count++
        const path = endpoint.path.replace(/:(\w+)/g, "{$1}")
        const method = endpoint.method.toLowerCase() as "get" | "post" | "put" | "patch" | "delete"
        if (typeof operation(path, method)["x-starform-permission"] !== "string") undeclared.push(endpoint.name)
      },
    })
    expect(count).toBeGreaterThan(40)
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
})
