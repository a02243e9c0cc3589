// biome-ignore-all lint/suspicious/noTemplateCurlyInString: variable references look like template placeholders
import { expect, layer } from "@effect/vitest"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Harness from "./identityHarness.ts"

/** Answers that tell the truth about what happened and what a value is. */
layer(TestDatabase.layer)("messages that tell the truth", (it) => {
  it.effect("an API token on the export or on sign-out is told to sign in as a person, and nothing happens", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start()
      const api = Harness.client(baseUrl)
      const owner = yield* Harness.signup(api)
      const workspaceId = yield* Harness.workspace(api, owner.token)
      const created = yield* api.post(
        `/v1/workspaces/${workspaceId}/tokens`,
        { name: "ci", scopes: ["deploy"] },
        owner.token,
      )
      const token = created.body.secret as string

      const exported = yield* api.get("/v1/me/export", token)
      expect(exported.status).toBe(403)
      expect(exported.body.message).toMatch(/^Sign in as a person to export an account/)
      expect(exported.body.message).not.toContain("no longer exists")

      const signOut = yield* api.post("/v1/auth/logout", undefined, token)
      expect(signOut.status).toBe(403)
      expect(signOut.body).toMatchObject({ code: "forbidden" })
      expect(signOut.body.message).toContain("nothing was changed")
      // refused, not done: the token is not revoked and still works
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{
        revokedAt: Date | null
      }>`SELECT revoked_at FROM api_tokens WHERE id = ${created.body.token.id}`
      expect(row?.revokedAt).toBeNull()
      expect((yield* api.get(`/v1/workspaces/${workspaceId}/projects`, token)).status).toBe(200)
    }).pipe(Effect.scoped),
  )

  it.effect("revealing a value that refers to others shows the reference as written and what it resolves to now", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start()
      const api = Harness.client(baseUrl)
      const owner = yield* Harness.signup(api)
      const workspaceId = yield* Harness.workspace(api, owner.token)
      const project = yield* Fixtures.project({ workspaceId })
      const environment = yield* Fixtures.environment({ projectId: project.id })
      const key = { projectId: project.id, environmentId: environment.id }
      const apiService = yield* Fixtures.service({ ...key, name: "api" })
      const web = yield* Fixtures.service({ ...key, name: "web" })
      const set = (serviceId: string, variables: Record<string, string>) =>
        api.patch(`/v1/services/${serviceId}/variables`, { variables }, owner.token)
      const reveal = (serviceId: string, name: string) =>
        api.post(`/v1/services/${serviceId}/variables/${name}/reveal`, undefined, owner.token)

      expect((yield* set(apiService.id, { URL: "http://api.internal:8080", PATH: "/v1" })).status).toBe(200)
      expect((yield* set(web.id, { API: "${{ api.URL }}${{ api.PATH }}", PLAIN: "hello" })).status).toBe(200)

      const revealed = yield* reveal(web.id, "API")
      expect(revealed.status).toBe(200)
      expect(revealed.body).toEqual({
        key: "API",
        value: "${{ api.URL }}${{ api.PATH }}",
        references: ["${{ api.URL }}", "${{ api.PATH }}"],
        resolvedValue: "http://api.internal:8080/v1",
        unresolvedReason: null,
      })
      // "now": the resolution follows the referenced value
      yield* set(apiService.id, { URL: "http://api.internal:9090" })
      expect((yield* reveal(web.id, "API")).body.resolvedValue).toBe("http://api.internal:9090/v1")
      // a plain value is its own resolution
      expect((yield* reveal(web.id, "PLAIN")).body).toMatchObject({
        value: "hello",
        references: [],
        resolvedValue: "hello",
      })
      // a reference left dangling since (its variable deleted) says why it does not resolve
      expect((yield* api.delete(`/v1/services/${apiService.id}/variables/PATH`, owner.token)).status).toBe(204)
      const dangling = yield* reveal(web.id, "API")
      expect(dangling.body).toMatchObject({ value: "${{ api.URL }}${{ api.PATH }}", resolvedValue: null })
      expect(dangling.body.unresolvedReason).toContain("api.PATH, which is not set")
    }).pipe(Effect.scoped),
  )
})
