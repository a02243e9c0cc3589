import { expect, layer } from "@effect/vitest"
import { TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import fc from "fast-check"
import * as Harness from "./identityHarness.ts"

/**
 * Whatever people send as sign-up or workspace input, bad input gets a 400 naming the field and the rule, and
 * nothing is created; good input (any script, emoji included) is stored exactly as given, trimmed.
 */

/** Characters that must never get into a name or an address. */
const odd = fc.constantFrom(
  "\u0000",
  "\u0007",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u202e",
  "\u2066",
  "\u200f",
  "\ufeff",
  "\ud800",
  "\udfff",
)

const withOdd = (base: fc.Arbitrary<string>) =>
  fc.tuple(base, odd, fc.nat()).map(([text, bad, at]) => {
    const i = at % (text.length + 1)
    return `${text.slice(0, i)}${bad}${text.slice(i)}`
  })

const goodName = fc
  .array(fc.constantFrom("a", "Z", "é", "ß", "東", "京", "Ω", "ж", "🚀", "👩‍💻", " ", "-", "&", "'"), {
    minLength: 1,
    maxLength: 30,
  })
  .map((chars) => chars.join(""))
  .filter((name) => name.trim().length > 0)

const emailShape = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

const badEmail = fc.oneof(
  fc.string({ maxLength: 40 }).filter((s) => !emailShape.test(s.trim())),
  withOdd(fc.constantFrom("ada@example.com", "grace@navy.mil")),
  fc.string({ minLength: 250, maxLength: 300, unit: fc.constantFrom("a", "b") }).map((local) => `${local}@example.com`),
)

const badName = fc.oneof(
  withOdd(goodName),
  fc.string({ minLength: 101, maxLength: 140, unit: fc.constantFrom("x", "é", "🚀") }),
)

const badWorkspaceName = fc.oneof(
  withOdd(goodName),
  fc.string({ minLength: 65, maxLength: 90, unit: fc.constantFrom("x", "東") }),
  fc.constantFrom("", "   ", "\t\n"),
)

const count = (table: "users" | "workspaces") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(table)}`, (rows) => rows[0]!.n),
  )

/** Runs a fast-check property whose body is an Effect, the runs one after another. */
const property = <A>(
  arbitrary: fc.Arbitrary<A>,
  body: (value: A) => Effect.Effect<void, unknown, never>,
  numRuns = 40,
) =>
  Effect.promise(() =>
    fc.assert(
      fc.asyncProperty(arbitrary, (value) => Effect.runPromise(body(value))),
      { numRuns },
    ),
  )

layer(TestDatabase.layer)("input properties", (it) => {
  it.effect(
    "sign-up with a malformed, overlong or odd email, or an odd name, is a 400 on that field and creates nothing",
    () =>
      Effect.gen(function* () {
        const { baseUrl } = yield* Harness.start()
        const api = Harness.client(baseUrl)
        const before = yield* count("users")
        yield* property(badEmail, (email) =>
          Effect.gen(function* () {
            const reply = yield* api.post("/v1/auth/signup", { email, password: Harness.password, name: "Ada" })
            expect(reply.status).toBe(400)
            expect(reply.body).toMatchObject({ code: "validation_failed", field: "email" })
            expect(["email", "plain-text", "no-nul", "type"]).toContain(reply.body.rule)
            expect(reply.body.message).toMatch(/^email must/)
          }),
        )
        yield* property(badName, (name) =>
          Effect.gen(function* () {
            const reply = yield* api.post("/v1/auth/signup", {
              email: Harness.email(),
              password: Harness.password,
              name,
            })
            expect(reply.status).toBe(400)
            expect(reply.body).toMatchObject({ code: "validation_failed", field: "name" })
            expect(["display-name", "plain-text", "no-nul"]).toContain(reply.body.rule)
          }),
        )
        expect(yield* count("users")).toBe(before)
      }).pipe(Effect.scoped),
  )

  it.effect("creating or renaming a workspace with a bad name is a 400 on name and changes nothing", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start({ budgets: { api: { capacity: 10_000, refillPerMinute: 10_000 } } })
      const api = Harness.client(baseUrl)
      const person = yield* Harness.signup(api)
      const workspaceId = yield* Harness.workspace(api, person.token, "Keeps Its Name")
      const before = yield* count("workspaces")
      yield* property(badWorkspaceName, (name) =>
        Effect.gen(function* () {
          const created = yield* api.post("/v1/workspaces", { name }, person.token)
          expect(created.status).toBe(400)
          expect(created.body).toMatchObject({ code: "validation_failed", field: "name" })
          const renamed = yield* api.patch(`/v1/workspaces/${workspaceId}`, { name }, person.token)
          expect(renamed.status).toBe(400)
          expect(renamed.body.field).toBe("name")
        }),
      )
      expect(yield* count("workspaces")).toBe(before)
      expect((yield* api.get(`/v1/workspaces/${workspaceId}`, person.token)).body.name).toBe("Keeps Its Name")
    }).pipe(Effect.scoped),
  )

  it.effect("any well-formed name in any script is kept exactly, trimmed, with a valid slug", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start({ budgets: { api: { capacity: 10_000, refillPerMinute: 10_000 } } })
      const api = Harness.client(baseUrl)
      const person = yield* Harness.signup(api)
      yield* property(
        goodName,
        (name) =>
          Effect.gen(function* () {
            const created = yield* api.post("/v1/workspaces", { name: ` ${name} ` }, person.token)
            expect(created.status).toBe(201)
            expect(created.body.name).toBe(name.trim())
            expect(created.body.slug).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/)
          }),
        25,
      )
    }).pipe(Effect.scoped),
  )
})
