import { expect, layer } from "@effect/vitest"
import { type Auth, type Ids, WorkspacesAccessApi } from "@starform/domain"
import { Fixtures } from "@starform/testkit"
import { Effect, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { failure, Identity, layer as identityLayer, signup, verify } from "./support.ts"

const tokenRequest = (body: unknown) => Schema.decodeUnknownSync(WorkspacesAccessApi.CreateTokenRequest)(body)

const setup = Effect.gen(function* () {
  const identity = yield* Identity
  const owner = yield* signup()
  yield* verify(owner)
  const workspace = yield* identity.CreateWorkspace({
    actor: owner.actor,
    request: { name: "Acme" as never },
  })
  const projectA = yield* Fixtures.project({ workspaceId: workspace.id })
  const projectB = yield* Fixtures.project({ workspaceId: workspace.id })
  return { identity, owner, workspace, projectA: projectA.id as Ids.ProjectId, projectB: projectB.id as Ids.ProjectId }
})

layer(identityLayer())("API tokens, service accounts and authorization", (it) => {
  it.effect("a deploy token of project A authenticates as a token and can deploy A but cannot see B", () =>
    Effect.gen(function* () {
      const { identity, owner, workspace, projectA, projectB } = yield* setup
      const created = yield* identity.CreateToken({
        actor: owner.actor,
        workspaceId: workspace.id,
        serviceAccountId: null,
        request: tokenRequest({ name: "CI", scopes: ["deploy"], projectId: projectA, expiresInDays: 30 }),
      })
      expect(created.secret).toMatch(/^sf_[0-9A-Za-z]{40}$/)
      expect(created.token.tokenPrefix).toBe(created.secret.slice(0, 10))
      const actor = yield* identity.AuthenticateToken({ secret: created.secret })
      expect(actor).toMatchObject({ kind: "api_token", tokenId: created.token.id, scope: { projectId: projectA } })
      expect(created.token.lastUsedAt).toBeNull()
      const [used] = yield* identity.ListTokens({ workspaceId: workspace.id })
      expect(used!.lastUsedAt).not.toBeNull()
      expect(used!.expiresAt).not.toBeNull()

      const on = (action: Auth.Action, projectId: Ids.ProjectId | null) =>
        identity.Authorize({ actor, action, workspaceId: workspace.id, projectId })
      expect(yield* on("deployment.create", projectA)).toBe("allowed")
      expect(yield* on("deployment.create", projectB)).toBe("not_found")
      expect(yield* on("service.delete", projectA)).toBe("forbidden")
      expect(yield* on("project.create", null)).toBe("forbidden")
    }),
  )

  it.effect("only the hash of a token is stored, lists never show the secret, and revoking it ends it", () =>
    Effect.gen(function* () {
      const { identity, owner, workspace } = yield* setup
      const sql = yield* SqlClient.SqlClient
      const created = yield* identity.CreateToken({
        actor: owner.actor,
        workspaceId: workspace.id,
        serviceAccountId: null,
        request: tokenRequest({ name: "laptop", scopes: ["read_only"] }),
      })
      const [row] = yield* sql<{ tokenHash: string }>`SELECT token_hash FROM api_tokens WHERE id = ${created.token.id}`
      expect(row!.tokenHash).not.toContain(created.secret)
      const listed = yield* identity.ListTokens({ workspaceId: workspace.id })
      expect(JSON.stringify(listed)).not.toContain(created.secret)
      expect(JSON.stringify(listed)).not.toContain(row!.tokenHash)

      const actor = yield* identity.AuthenticateToken({ secret: created.secret })
      yield* identity.RevokeToken({ actor: owner.actor, tokenId: created.token.id })
      expect((yield* failure(identity.AuthenticateToken({ secret: created.secret }))).code).toBe("unauthenticated")
      expect(
        yield* identity.Authorize({ actor, action: "project.read", workspaceId: workspace.id, projectId: null }),
      ).toBe("unauthenticated")
    }),
  )

  it.effect("an expired token stops working", () =>
    Effect.gen(function* () {
      const { identity, owner, workspace } = yield* setup
      const sql = yield* SqlClient.SqlClient
      const created = yield* identity.CreateToken({
        actor: owner.actor,
        workspaceId: workspace.id,
        serviceAccountId: null,
        request: tokenRequest({ name: "short", scopes: ["read_only"], expiresInDays: 1 }),
      })
      yield* sql`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = ${created.token.id}`
      expect((yield* failure(identity.AuthenticateToken({ secret: created.secret }))).code).toBe("unauthenticated")
    }),
  )

  it.effect("a token can do only what its creator can: a developer cannot mint an admin's powers", () =>
    Effect.gen(function* () {
      const { identity, workspace } = yield* setup
      const sql = yield* SqlClient.SqlClient
      const developer = yield* signup("Dev")
      yield* sql`INSERT INTO workspace_members ${sql.insert({
        workspaceId: workspace.id,
        userId: developer.user.id,
        role: "developer",
      })}`
      const refused = yield* failure(
        identity.CreateToken({
          actor: developer.actor,
          workspaceId: workspace.id,
          serviceAccountId: null,
          request: tokenRequest({ name: "too much", scopes: ["deploy", "member.remove"] }),
        }),
      )
      expect(refused.code).toBe("forbidden")
      expect(refused.message).toContain("member.remove")
    }),
  )

  it.effect("a service account's token acts as the service account, and deleting the account ends its tokens", () =>
    Effect.gen(function* () {
      const { identity, owner, workspace } = yield* setup
      const account = yield* identity.CreateServiceAccount({
        actor: owner.actor,
        workspaceId: workspace.id,
        request: { name: "github-actions" as never },
      })
      const duplicate = yield* failure(
        identity.CreateServiceAccount({
          actor: owner.actor,
          workspaceId: workspace.id,
          request: { name: "github-actions" as never },
        }),
      )
      expect(duplicate).toMatchObject({ code: "conflict", field: "name" })
      const created = yield* identity.CreateToken({
        actor: owner.actor,
        workspaceId: workspace.id,
        serviceAccountId: account.id,
        request: tokenRequest({ name: "deploys", scopes: ["deploy"] }),
      })
      expect(created.token.serviceAccountId).toBe(account.id)
      const actor = yield* identity.AuthenticateToken({ secret: created.secret })
      expect(actor).toMatchObject({ kind: "service_account", id: account.id })
      yield* identity.DeleteServiceAccount({ actor: owner.actor, serviceAccountId: account.id })
      expect((yield* failure(identity.AuthenticateToken({ secret: created.secret }))).code).toBe("unauthenticated")
    }),
  )

  it.effect("a token cannot name a project of another workspace", () =>
    Effect.gen(function* () {
      const { identity, owner, workspace } = yield* setup
      const elsewhere = yield* Fixtures.project()
      const refused = yield* failure(
        identity.CreateToken({
          actor: owner.actor,
          workspaceId: workspace.id,
          serviceAccountId: null,
          request: tokenRequest({ name: "sneaky", scopes: ["read_only"], projectId: elsewhere.id }),
        }),
      )
      expect(refused.code).toBe("not_found")
    }),
  )

  it.effect("a person's session must be live for their access to count", () =>
    Effect.gen(function* () {
      const { identity, owner, workspace } = yield* setup
      expect(
        yield* identity.Authorize({
          actor: owner.actor,
          action: "workspace.delete",
          workspaceId: workspace.id,
          projectId: null,
        }),
      ).toBe("allowed")
      yield* identity.Logout({ actor: owner.actor })
      expect(
        yield* identity.Authorize({
          actor: owner.actor,
          action: "workspace.read",
          workspaceId: workspace.id,
          projectId: null,
        }),
      ).toBe("unauthenticated")
    }),
  )

  it.effect(
    "deploying needs a verified address: the person's own, a token's creator's, or an owner's once the creator is gone",
    () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const identity = yield* Identity
        const owner = yield* signup("Unverified Owner")
        const workspace = yield* identity.CreateWorkspace({ actor: owner.actor, request: { name: "Trial" as never } })
        const projectId = (yield* Fixtures.project({ workspaceId: workspace.id })).id as Ids.ProjectId
        const decide = (actor: Auth.Actor, action: Auth.Action) =>
          identity.Authorize({ actor, action, workspaceId: workspace.id, projectId })
        const deployToken = (actor: Auth.Actor) =>
          Effect.flatMap(
            identity.CreateToken({
              actor,
              workspaceId: workspace.id,
              serviceAccountId: null,
              request: tokenRequest({ name: "CI", scopes: ["deployment.create", "deployment.read"], projectId }),
            }),
            (created) => identity.AuthenticateToken({ secret: created.secret }),
          )

        const ownersToken = yield* deployToken(owner.actor)
        expect(yield* decide(owner.actor, "deployment.create")).toBe("unverified")
        expect(yield* decide(owner.actor, "deployment.rollback")).toBe("unverified")
        expect(yield* decide(ownersToken, "deployment.create")).toBe("unverified")
        // everything else is as before: only a rollout waits for the address
        expect(yield* decide(owner.actor, "service.create")).toBe("allowed")
        expect(yield* decide(owner.actor, "deployment.cancel")).toBe("allowed")
        expect(yield* decide(ownersToken, "deployment.read")).toBe("allowed")

        yield* verify(owner)
        expect(yield* decide(owner.actor, "deployment.create")).toBe("allowed")
        expect(yield* decide(ownersToken, "deployment.create")).toBe("allowed")

        // a developer who has not verified deploys neither in person nor with a token of theirs
        const developer = yield* signup("Unverified Developer")
        yield* Fixtures.workspaceMember({ workspaceId: workspace.id, userId: developer.user.id, role: "developer" })
        const developersToken = yield* deployToken(developer.actor)
        expect(yield* decide(developer.actor, "deployment.create")).toBe("unverified")
        expect(yield* decide(developersToken, "deployment.create")).toBe("unverified")
        // once their account is gone, the token deploys on the workspace owner's verified address
        yield* sql`UPDATE api_tokens SET created_by = NULL WHERE id = ${developersToken.tokenId}`
        expect(yield* decide(developersToken, "deployment.create")).toBe("allowed")
      }),
  )
})
