import { describe, expect, layer } from "@effect/vitest"
import { TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as Harness from "./identityHarness.ts"

layer(TestDatabase.layer)("accounts over the gateway", (it) => {
  it.effect("a person signs up, signs in, sees themselves and creates a workspace they own", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start()
      const api = Harness.client(baseUrl)
      const ada = yield* Harness.signupUnverified(api)
      const me = yield* api.get("/v1/me", ada.token)
      expect(me.status).toBe(200)
      expect(me.body).toMatchObject({ id: ada.userId, email: ada.email, name: "Ada Lovelace", emailVerifiedAt: null })

      const login = yield* api.post("/v1/auth/login", { email: ada.email.toUpperCase(), password: Harness.password })
      expect(login.status).toBe(200)
      expect(login.body.status).toBe("signed_in")

      const workspaceId = yield* Harness.workspace(api, ada.token, "Analytical Engines")
      const list = yield* api.get("/v1/workspaces", ada.token)
      expect(list.body).toMatchObject([{ id: workspaceId, name: "Analytical Engines", slug: "analytical-engines" }])
      const members = yield* api.get(`/v1/workspaces/${workspaceId}/members`, ada.token)
      expect(members.body).toMatchObject([{ userId: ada.userId, role: "owner" }])
    }).pipe(Effect.scoped),
  )
})
void describe
