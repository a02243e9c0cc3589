import { expect, layer } from "@effect/vitest"
import { TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as Harness from "./identityHarness.ts"

/** Every error the gateway answers is JSON with a code and a message; validation failures name the field and rule. */
layer(TestDatabase.layer)("error bodies", (it) => {
  const started = Effect.map(Harness.start(), ({ baseUrl }) => Object.assign(Harness.client(baseUrl), { baseUrl }))

  it.effect("a field that breaks a rule is named with the rule; several failures are all listed", () =>
    Effect.gen(function* () {
      const api = yield* started
      const one = yield* api.post("/v1/auth/signup", {
        email: "not-an-email",
        password: "correct horse battery",
        name: "A",
      })
      expect(one.status).toBe(400)
      expect(one.headers.get("content-type")).toContain("application/json")
      expect(one.body).toEqual({
        code: "validation_failed",
        message: "email must be an email address like name@example.com, at most 254 characters",
        field: "email",
        rule: "email",
      })

      const many = yield* api.post("/v1/auth/signup", { email: "x@y", password: "short" })
      expect(many.status).toBe(400)
      expect(many.body.errors.map((e: { field: string; rule: string }) => [e.field, e.rule])).toEqual([
        ["email", "email"],
        ["password", "password"],
      ])

      const missing = yield* api.post("/v1/auth/signup", { password: "correct horse battery" })
      expect(missing.body).toMatchObject({ code: "validation_failed", field: "email", rule: "required" })
    }).pipe(Effect.scoped),
  )

  it.effect("a path id of the wrong kind is a 400 naming the parameter and the id rule", () =>
    Effect.gen(function* () {
      const api = yield* started
      const person = yield* Harness.signup(api)
      const reply = yield* api.get("/v1/workspaces/prj_000000000000000000000000", person.token)
      expect(reply.status).toBe(400)
      expect(reply.body).toMatchObject({ code: "validation_failed", field: "workspaceId", rule: "id" })
    }).pipe(Effect.scoped),
  )

  it.effect("unknown routes, unreadable bodies and missing credentials all answer JSON", () =>
    Effect.gen(function* () {
      const api = yield* started
      const unknown = yield* api.get("/v1/nothing-here")
      expect(unknown.status).toBe(404)
      expect(unknown.body).toMatchObject({ code: "not_found" })

      const garbled = yield* Effect.promise(() =>
        fetch(`${api.baseUrl}/v1/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: '{"email": "a@b.c", "password": ',
        }).then(async (response) => ({ status: response.status, body: await response.json() })),
      )
      expect(garbled.status).toBe(400)
      expect((garbled.body as { code: string }).code).toBe("validation_failed")

      const anonymous = yield* api.get("/v1/me")
      expect(anonymous.status).toBe(401)
      expect(anonymous.body).toMatchObject({ code: "unauthenticated" })
      expect(anonymous.body.message).toContain("Bearer")

      const nonsense = yield* api.get("/v1/me", "not-a-jwt")
      expect(nonsense.status).toBe(401)
      expect(nonsense.body.code).toBe("unauthenticated")
    }).pipe(Effect.scoped),
  )
})
