import { expect, layer } from "@effect/vitest"
import { Builds } from "@starform/builds"
import { FieldCrypto } from "@starform/crypto"
import { FakeGithub, Fixtures, TestDatabase } from "@starform/testkit"
import { Effect, Layer, Option, Redacted } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

const { GithubApp, Installations } = Builds

const github = new FakeGithub.FakeGithub()
const key = new Uint8Array(32).fill(7)

const Env = Layer.unwrap(
  Effect.promise(async () => {
    await github.listen()
    return Installations.Installations.layer.pipe(
      Layer.provideMerge(
        GithubApp.GithubApp.layer({
          appId: String(github.appId),
          privateKey: Redacted.make(github.privateKey),
          apiUrl: github.url,
          appUrl: "https://github.com/apps/starform-test",
        }),
      ),
      Layer.provideMerge(FieldCrypto.layerFromKeys(key)),
      Layer.provideMerge(TestDatabase.layer),
    )
  }),
).pipe(Layer.merge(Layer.effectDiscard(Effect.addFinalizer(() => Effect.promise(() => github.close())))))

const linked = (installationId: number, login: string) =>
  Effect.gen(function* () {
    github.addInstallation({
      id: installationId,
      account: { login, id: installationId + 1, type: "Organization" },
      repositories: [
        { id: 1, name: "api", private: true, defaultBranch: "main" },
        { id: 2, name: "web", private: false, defaultBranch: "trunk" },
      ],
    })
    const workspace = yield* Fixtures.workspace()
    const installations = yield* Installations.Installations
    return yield* installations.link({
      workspaceId: workspace.id,
      installationId,
      accountLogin: login,
      accountType: "Organization",
      suspendedAt: null,
    })
  })

layer(Env, { excludeTestServices: true })("GitHub App installation tokens", (it) => {
  it.effect("a token is minted once and reused from the database, where it is stored only encrypted", () =>
    Effect.gen(function* () {
      const installations = yield* Installations.Installations
      const row = yield* linked(101, "acme")
      const first = yield* installations.token(row)
      const second = yield* installations.token(row)
      expect(Redacted.value(first)).toMatch(/^ghs_/)
      expect(Redacted.value(second)).toBe(Redacted.value(first))
      expect(github.minted.get(101)).toBe(1)

      const sql = yield* SqlClient.SqlClient
      const [stored] = yield* sql<{ readonly accessTokenCiphertext: string; readonly accessTokenExpiresAt: Date }>`
        SELECT access_token_ciphertext, access_token_expires_at FROM github_installations WHERE id = ${row.id}`
      expect(stored!.accessTokenCiphertext).toMatch(/^enc:v1:/)
      expect(stored!.accessTokenCiphertext).not.toContain(Redacted.value(first))
      expect(stored!.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now() + 50 * 60 * 1000)

      // the token works: GitHub lists the installation's repositories with it
      const app = yield* GithubApp.GithubApp
      const repos = yield* app.listRepositories(first)
      expect(repos.map((repo) => repo.fullName)).toEqual(["acme/api", "acme/web"])
      expect(repos[1]).toEqual({ id: 2, fullName: "acme/web", name: "web", private: false, defaultBranch: "trunk" })
    }),
  )

  it.effect("a cached token about to expire is replaced before it is used", () =>
    Effect.gen(function* () {
      const installations = yield* Installations.Installations
      const row = yield* linked(102, "globex")
      const first = yield* installations.token(row)
      const sql = yield* SqlClient.SqlClient
      // four minutes left: inside the five-minute margin
      yield* sql`UPDATE github_installations SET access_token_expires_at = now() + interval '4 minutes' WHERE id = ${row.id}`
      const second = yield* installations.token(row)
      expect(Redacted.value(second)).not.toBe(Redacted.value(first))
      expect(github.minted.get(102)).toBe(2)
      // concurrent callers share one mint
      yield* sql`UPDATE github_installations SET access_token_expires_at = now() WHERE id = ${row.id}`
      const tokens = yield* Effect.all(
        Array.from({ length: 8 }, () => installations.token(row)),
        { concurrency: "unbounded" },
      )
      expect(new Set(tokens.map(Redacted.value)).size).toBe(1)
      expect(github.minted.get(102)).toBe(3)
    }),
  )

  it.effect("a suspended installation gets no token, and suspending drops the cached one", () =>
    Effect.gen(function* () {
      const installations = yield* Installations.Installations
      const row = yield* linked(103, "initech")
      yield* installations.token(row)
      github.installations.get(103)!.suspendedAt = "2026-05-01T12:00:00Z"
      const suspended = yield* installations.setStatus(103, "suspended")
      // the cached token is no field of the installation: it is read where it is stored
      const sql = yield* SqlClient.SqlClient
      const [cached] = yield* sql<{ readonly accessTokenCiphertext: string | null }>`
        SELECT access_token_ciphertext FROM github_installations WHERE id = ${row.id}`
      expect(cached!.accessTokenCiphertext).toBeNull()
      const refused = yield* Effect.flip(installations.token(Option.getOrThrow(suspended)))
      expect(refused).toMatchObject({ _tag: "GithubRefused", status: 403 })
    }),
  )

  it.effect("an installation linked to one workspace cannot be claimed by another", () =>
    Effect.gen(function* () {
      const installations = yield* Installations.Installations
      yield* linked(104, "hooli")
      const other = yield* Fixtures.workspace()
      const refused = yield* Effect.flip(
        installations.link({
          workspaceId: other.id,
          installationId: 104,
          accountLogin: "hooli",
          accountType: "Organization",
          suspendedAt: null,
        }),
      )
      expect(refused.message).toMatch(/already connected to another workspace/)
    }),
  )
})
