import { generateKeyPairSync } from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect, Option, Redacted } from "effect"
import { decodeJwt, importPKCS8, SignJWT } from "jose"
import * as Harness from "./identityHarness.ts"

const keyPair = () => generateKeyPairSync("ed25519")
const signing = keyPair()
const signingPem = signing.privateKey.export({ type: "pkcs8", format: "pem" }).toString()

/** A JWT with identity's claims, signed by `pem` (identity's own key, or an impostor's). */
const mint = (pem: string, claims: { sub: string; sid: string }, expiresAt: number, kid?: string) =>
  Effect.promise(async () =>
    new SignJWT({ sid: claims.sid })
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT", ...(kid === undefined ? {} : { kid }) })
      .setSubject(claims.sub)
      .setIssuer("starform")
      .setAudience("starform-api")
      .setIssuedAt(expiresAt - 900)
      .setExpirationTime(expiresAt)
      .sign(await importPKCS8(pem, "EdDSA")),
  )

const started = Effect.map(
  Harness.start({ identity: { signingKeyPem: Option.some(Redacted.make(signingPem)) } }),
  ({ baseUrl }) => Harness.client(baseUrl),
)

layer(TestDatabase.layer)("authentication", (it) => {
  it.effect("an expired, forged, re-signed or unsigned access token is refused with 401", () =>
    Effect.gen(function* () {
      const api = yield* started
      const person = yield* Harness.signup(api)
      expect((yield* api.get("/v1/me", person.token)).status).toBe(200)
      const header = JSON.parse(Buffer.from(person.token.split(".")[0]!, "base64url").toString())
      const claims = { sub: person.userId, sid: person.sessionId }
      const now = Math.floor(Date.now() / 1000)

      const fresh = yield* mint(signingPem, claims, now + 600, header.kid)
      expect((yield* api.get("/v1/me", fresh)).status).toBe(200)

      const expired = yield* api.get("/v1/me", yield* mint(signingPem, claims, now - 60, header.kid))
      expect(expired.status).toBe(401)
      expect(expired.body.message).toContain("expired")

      const impostor = keyPair().privateKey.export({ type: "pkcs8", format: "pem" }).toString()
      const wrongKey = yield* api.get("/v1/me", yield* mint(impostor, claims, now + 600, header.kid))
      expect(wrongKey.status).toBe(401)

      const [h, , s] = person.token.split(".")
      const other = yield* Harness.signup(api, "Mallory")
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(person.token), sub: other.userId })).toString("base64url")}.${s}`
      expect((yield* api.get("/v1/me", tampered)).status).toBe(401)

      const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(
        JSON.stringify({ ...decodeJwt(person.token) }),
      ).toString("base64url")}.`
      expect((yield* api.get("/v1/me", unsigned)).status).toBe(401)
    }).pipe(Effect.scoped),
  )

  it.effect(
    "reusing a spent refresh token revokes the session: its refresh tokens and access tokens stop working",
    () =>
      Effect.gen(function* () {
        const api = yield* started
        const person = yield* Harness.signup(api)
        const rotated = yield* api.post("/v1/auth/refresh", { refreshToken: person.refreshToken })
        expect(rotated.status).toBe(200)
        expect(rotated.body.sessionId).toBe(person.sessionId)
        expect((yield* api.get("/v1/me", rotated.body.accessToken)).status).toBe(200)

        const replay = yield* api.post("/v1/auth/refresh", { refreshToken: person.refreshToken })
        expect(replay.status).toBe(401)
        expect(replay.body.message).toContain("already used")
        expect((yield* api.post("/v1/auth/refresh", { refreshToken: rotated.body.refreshToken })).status).toBe(401)
        const after = yield* api.get("/v1/me", rotated.body.accessToken)
        expect(after.status).toBe(401)
        expect(after.body.message).toContain("signed out")
      }).pipe(Effect.scoped),
  )

  it.effect("signing out ends the session at once; other sessions of the person go on", () =>
    Effect.gen(function* () {
      const api = yield* started
      const person = yield* Harness.signup(api)
      const phone = yield* api.post("/v1/auth/login", { email: person.email, password: Harness.password })
      expect((yield* api.get("/v1/me/sessions", person.token)).body).toHaveLength(2)
      expect((yield* api.post("/v1/auth/logout", undefined, person.token)).status).toBe(204)
      expect((yield* api.get("/v1/me", person.token)).status).toBe(401)
      expect((yield* api.get("/v1/me", phone.body.tokens.accessToken)).status).toBe(200)
    }).pipe(Effect.scoped),
  )

  it.effect("brute-forcing a password hits the login budget: 429 with Retry-After, even for the right password", () =>
    Effect.gen(function* () {
      const api = yield* started
      const person = yield* Harness.signup(api)
      const attempts: Array<number> = []
      for (let i = 0; i < 10; i++) {
        attempts.push(
          (yield* api.post("/v1/auth/login", { email: person.email, password: `guess number ${i}` })).status,
        )
      }
      expect(attempts).toEqual(Array(10).fill(401))
      const blocked = yield* api.post("/v1/auth/login", { email: person.email, password: Harness.password })
      expect(blocked.status).toBe(429)
      expect(blocked.body).toMatchObject({ code: "rate_limited" })
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0)
      expect(blocked.headers.get("ratelimit-limit")).toBe("10")
      expect(blocked.headers.get("ratelimit-remaining")).toBe("0")
    }).pipe(Effect.scoped),
  )
})

layer(TestDatabase.layer)("API tokens from CI", (it) => {
  it.effect("a token scoped to project A works on A and cannot touch project B", () =>
    Effect.gen(function* () {
      const api = yield* started
      const owner = yield* Harness.signup(api)
      const workspaceId = yield* Harness.workspace(api, owner.token)
      const projectA = (yield* Fixtures.project({ workspaceId })).id as string
      const projectB = (yield* Fixtures.project({ workspaceId })).id as string
      const created = yield* api.post(
        `/v1/workspaces/${workspaceId}/tokens`,
        { name: "ci for A", scopes: ["read_only"], projectId: projectA },
        owner.token,
      )
      expect(created.status).toBe(201)
      const secret = created.body.secret as string
      expect(secret).toMatch(/^sf_/)

      expect((yield* api.get(`/v1/projects/${projectA}/members`, secret)).status).toBe(200)
      const b = yield* api.get(`/v1/projects/${projectB}/members`, secret)
      expect(b.status).toBe(404)
      expect(b.body).toEqual({ code: "not_found", message: `No project with id ${projectB} was found.` })
      const write = yield* api.put(`/v1/projects/${projectA}/members/${owner.userId}`, { role: "admin" }, secret)
      expect(write.status).toBe(403)
      expect(write.body.code).toBe("forbidden")

      const listed = yield* api.get(`/v1/workspaces/${workspaceId}/tokens`, owner.token)
      expect(JSON.stringify(listed.body)).not.toContain(secret)
    }).pipe(Effect.scoped),
  )

  it.effect("a service account's token is a Bearer token for CI, and revoking it stops it at once", () =>
    Effect.gen(function* () {
      const api = yield* started
      const owner = yield* Harness.signup(api)
      const workspaceId = yield* Harness.workspace(api, owner.token)
      const account = yield* api.post(`/v1/workspaces/${workspaceId}/service-accounts`, { name: "github" }, owner.token)
      const token = yield* api.post(
        `/v1/service-accounts/${account.body.id}/tokens`,
        { name: "deploys", scopes: ["deploy"] },
        owner.token,
      )
      expect(token.status).toBe(201)
      const secret = token.body.secret as string
      const seen = yield* api.get(`/v1/workspaces/${workspaceId}`, secret)
      expect(seen.status).toBe(200)
      expect(seen.headers.get("ratelimit-limit")).toBe("100")
      const otherWorkspace = yield* Harness.workspace(api, owner.token, "Elsewhere")
      expect((yield* api.get(`/v1/workspaces/${otherWorkspace}`, secret)).status).toBe(404)

      expect((yield* api.delete(`/v1/tokens/${token.body.token.id}`, owner.token)).status).toBe(204)
      expect((yield* api.get(`/v1/workspaces/${workspaceId}`, secret)).status).toBe(401)
    }).pipe(Effect.scoped),
  )
})
