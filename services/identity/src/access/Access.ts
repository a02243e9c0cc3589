import { Sql } from "@starform/db"
import { ApiErrors, Auth, Identity, IdentityRpc, Ids, WorkspacesAccessApi } from "@starform/domain"
import { Context, Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Policy from "../policy/Policy.ts"
import * as Secrets from "../Secrets.ts"

/**
 * Who a Bearer API token is, whether an actor may do an action, which tenant a resource belongs to, and the API
 * tokens and service accounts themselves. Tokens are stored as SHA-256 hashes and their secret is returned once.
 */

const tokenColumns =
  "id, workspace_id, project_id, name, token_prefix, scopes, service_account_id, created_by, expires_at, last_used_at, revoked_at, created_at, updated_at"

const locatableWords: { readonly [K in IdentityRpc.Locatable]: string } = {
  invitation: "invitation",
  api_token: "API token",
  service_account: "service account",
}

export class Access extends Context.Service<
  Access,
  {
    readonly authenticateToken: (secret: string) => Effect.Effect<Auth.Actor, ApiErrors.Unauthenticated>
    readonly authorize: (
      actor: Auth.Actor,
      action: Auth.Action,
      target: { readonly workspaceId: string; readonly projectId: string | null },
    ) => Effect.Effect<IdentityRpc.Decision>
    readonly locate: (
      kind: IdentityRpc.Locatable,
      id: string,
    ) => Effect.Effect<IdentityRpc.Location, ApiErrors.NotFound>
    readonly createToken: (
      actor: Auth.Actor,
      workspaceId: string,
      serviceAccountId: string | null,
      request: WorkspacesAccessApi.CreateTokenRequest,
    ) => Effect.Effect<WorkspacesAccessApi.CreatedToken, ApiErrors.Forbidden | ApiErrors.NotFound>
    readonly listTokens: (workspaceId: string) => Effect.Effect<ReadonlyArray<Identity.ApiToken>>
    readonly revokeToken: (
      actor: Auth.Actor,
      tokenId: string,
    ) => Effect.Effect<void, ApiErrors.Forbidden | ApiErrors.NotFound>
    readonly createServiceAccount: (
      actor: Auth.Actor,
      workspaceId: string,
      name: string,
    ) => Effect.Effect<Identity.ServiceAccount, ApiErrors.Conflict>
    readonly listServiceAccounts: (workspaceId: string) => Effect.Effect<ReadonlyArray<Identity.ServiceAccount>>
    readonly deleteServiceAccount: (serviceAccountId: string) => Effect.Effect<void, ApiErrors.NotFound>
  }
>()("starform/identity/Access") {
  static readonly layer = Layer.effect(
    Access,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient

      const authenticateToken = Effect.fn("Access.authenticateToken")(function* (secret: string) {
        const rows = yield* sql<{
          id: string
          workspaceId: string
          projectId: string | null
          scopes: ReadonlyArray<string>
          serviceAccountId: string | null
        }>`SELECT id, workspace_id, project_id, scopes, service_account_id FROM api_tokens
          WHERE token_hash = ${Secrets.hash(secret)} AND revoked_at IS NULL
            AND (expires_at IS NULL OR expires_at > now())`
        const token = rows[0]
        if (token === undefined) {
          return yield* new ApiErrors.Unauthenticated({
            message: "This API token is not valid: it may have been revoked or have expired.",
          })
        }
        // last_used_at is a hint for people pruning tokens: a minute's precision spares a write per request.
        yield* sql`UPDATE api_tokens SET last_used_at = now() WHERE id = ${token.id}
          AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`
        return new Auth.Actor({
          kind: token.serviceAccountId === null ? "api_token" : "service_account",
          id: token.serviceAccountId ?? token.id,
          userId: null,
          sessionId: null,
          tokenId: token.id as Ids.ApiTokenId,
          scope: new Auth.ActorScope({
            workspaceId: token.workspaceId as Ids.WorkspaceId,
            projectId: token.projectId as Ids.ProjectId | null,
          }),
          permissions: Auth.permissionsOf(token.scopes),
        })
      })

      const membership = (userId: string, workspaceId: string, projectId: string | null) =>
        Effect.map(
          sql<{ workspaceRole: Identity.WorkspaceRole | null; projectRole: Identity.ProjectRole | null }>`SELECT
            (SELECT m.role FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id AND w.deleted_at IS NULL
              WHERE m.workspace_id = ${workspaceId} AND m.user_id = ${userId}) AS workspace_role,
            (SELECT role FROM project_members WHERE project_id = ${projectId} AND user_id = ${userId}) AS project_role`,
          (rows): Policy.Membership => rows[0] ?? { workspaceRole: null, projectRole: null },
        )

      const authorize = Effect.fn("Access.authorize")(function* (
        actor: Auth.Actor,
        action: Auth.Action,
        target: { readonly workspaceId: string; readonly projectId: string | null },
      ) {
        if (actor.kind === "user") {
          if (actor.userId === null || actor.sessionId === null) return "unauthenticated" as const
          const rows = yield* sql<{
            workspaceRole: Identity.WorkspaceRole | null
            projectRole: Identity.ProjectRole | null
            live: boolean
          }>`SELECT
              (SELECT m.role FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id AND w.deleted_at IS NULL
                WHERE m.workspace_id = ${target.workspaceId} AND m.user_id = ${actor.userId}) AS workspace_role,
              (SELECT role FROM project_members WHERE project_id = ${target.projectId} AND user_id = ${actor.userId})
                AS project_role,
              EXISTS (SELECT 1 FROM sessions WHERE family_id = ${actor.sessionId} AND user_id = ${actor.userId}
                AND revoked_at IS NULL AND expires_at > now()) AS live`
          const row = rows[0]!
          if (!row.live) return "unauthenticated" as const
          const decision = Policy.decideForPerson(row, action, target.projectId)
          if (decision !== "allowed" || !Policy.needsVerifiedEmail(action)) return decision
          const verified = yield* sql<{ verified: boolean }>`SELECT EXISTS (SELECT 1 FROM users
            WHERE id = ${actor.userId} AND email_verified_at IS NOT NULL) AS verified`
          return verified[0]?.verified === true ? decision : ("unverified" as const)
        }
        if (actor.tokenId === null || actor.scope === null || actor.permissions === null) {
          return "unauthenticated" as const
        }
        const live = yield* sql<{ live: boolean }>`SELECT EXISTS (SELECT 1 FROM api_tokens WHERE id = ${actor.tokenId}
          AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) AS live`
        if (live[0]?.live !== true) return "unauthenticated" as const
        const decision = Policy.decideForToken(actor.scope, actor.permissions, action, target)
        if (decision !== "allowed" || !Policy.needsVerifiedEmail(action)) return decision
        // A token deploys on its maker's verified address; one whose maker is gone, on a workspace owner's.
        const verified = yield* sql<{ verified: boolean }>`SELECT EXISTS (SELECT 1 FROM api_tokens t
            JOIN users u ON u.id = t.created_by AND u.status = 'active'
            WHERE t.id = ${actor.tokenId} AND u.email_verified_at IS NOT NULL)
          OR EXISTS (SELECT 1 FROM api_tokens t
            JOIN workspace_members m ON m.workspace_id = t.workspace_id AND m.role = 'owner'
            JOIN users u ON u.id = m.user_id AND u.status = 'active'
            WHERE t.id = ${actor.tokenId} AND u.email_verified_at IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM users c WHERE c.id = t.created_by AND c.status = 'active')) AS verified`
        return verified[0]?.verified === true ? decision : ("unverified" as const)
      })

      const locate = Effect.fn("Access.locate")(function* (kind: IdentityRpc.Locatable, id: string) {
        const query = {
          invitation: sql`SELECT workspace_id, NULL AS project_id FROM invitations WHERE id = ${id}`,
          api_token: sql`SELECT workspace_id, project_id FROM api_tokens WHERE id = ${id}`,
          service_account: sql`SELECT workspace_id, NULL AS project_id FROM service_accounts WHERE id = ${id}`,
        }[kind]
        const rows = yield* query
        if (rows[0] === undefined) return yield* ApiErrors.NotFound.of(locatableWords[kind], id)
        return yield* Sql.decodeRow(IdentityRpc.Location)(rows[0])
      })

      const createToken = Effect.fn("Access.createToken")(function* (
        actor: Auth.Actor,
        workspaceId: string,
        serviceAccountId: string | null,
        request: WorkspacesAccessApi.CreateTokenRequest,
      ) {
        if (actor.kind !== "user" || actor.userId === null) {
          return yield* new ApiErrors.Forbidden({
            message: "API tokens cannot create other tokens: a person signed in must create them.",
          })
        }
        // The gateway has found the project in this workspace (the projects service's `Locate`); the foreign key
        // `api_tokens_project_fk` refuses any other.
        const projectId = request.projectId ?? null
        // A token can do only what its creator can, where it is scoped.
        const roles = yield* membership(actor.userId, workspaceId, projectId)
        const beyond = Auth.permissionsOf(request.scopes).filter(
          (action) => Policy.decideForPerson(roles, action, projectId) !== "allowed",
        )
        if (beyond.length > 0) {
          return yield* new ApiErrors.Forbidden({
            message: `A token can do only what its creator can, and your role cannot: ${beyond.join(", ")}.`,
          })
        }
        const secret = Secrets.newApiToken()
        const expiresAt =
          request.expiresInDays === undefined ? null : new Date(Date.now() + request.expiresInDays * 86_400_000)
        const rows = yield* sql`INSERT INTO api_tokens ${sql.insert({
          id: Ids.newId("apiToken"),
          workspaceId,
          projectId,
          name: request.name,
          tokenHash: Secrets.hash(secret),
          tokenPrefix: Secrets.displayPrefix(secret),
          scopes: [...request.scopes],
          serviceAccountId,
          createdBy: actor.userId,
          expiresAt,
        })} RETURNING ${sql.literal(tokenColumns)}`.pipe(
          Sql.refusedBy({ api_tokens_project_fk: () => ApiErrors.NotFound.of("project", projectId ?? "") }),
        )
        const token = yield* Sql.decodeRow(Identity.ApiToken)(rows[0])
        return new WorkspacesAccessApi.CreatedToken({ token, secret })
      })

      const listTokens = Effect.fn("Access.listTokens")(function* (workspaceId: string) {
        const rows = yield* sql`SELECT ${sql.literal(tokenColumns)} FROM api_tokens
          WHERE workspace_id = ${workspaceId} AND revoked_at IS NULL ORDER BY created_at`
        return yield* Sql.decodeRows(Identity.ApiToken)(rows)
      })

      const revokeToken = Effect.fn("Access.revokeToken")(function* (actor: Auth.Actor, tokenId: string) {
        const rows = yield* sql<{ workspaceId: string; createdBy: string | null }>`SELECT workspace_id, created_by
          FROM api_tokens WHERE id = ${tokenId} AND revoked_at IS NULL`
        const token = rows[0]
        if (token === undefined) return yield* ApiErrors.NotFound.of("API token", tokenId)
        if (actor.kind === "user" && actor.userId !== null && token.createdBy !== actor.userId) {
          const roles = yield* membership(actor.userId, token.workspaceId, null)
          if (roles.workspaceRole !== "owner" && roles.workspaceRole !== "admin") {
            return yield* new ApiErrors.Forbidden({
              message: "Only the token's creator, an admin or an owner can revoke it.",
            })
          }
        }
        yield* sql`UPDATE api_tokens SET revoked_at = now() WHERE id = ${tokenId} AND revoked_at IS NULL`
      })

      const serviceAccountColumns = "id, workspace_id, name, created_by, created_at, updated_at"

      const createServiceAccount = Effect.fn("Access.createServiceAccount")(function* (
        actor: Auth.Actor,
        workspaceId: string,
        name: string,
      ) {
        const rows = yield* sql`INSERT INTO service_accounts ${sql.insert({
          id: Identity.newServiceAccountId(),
          workspaceId,
          name,
          createdBy: actor.userId,
        })} RETURNING ${sql.literal(serviceAccountColumns)}`.pipe(
          Sql.refusedBy({
            service_accounts_name_unique_per_workspace: () =>
              new ApiErrors.Conflict({
                message: "The workspace already has a service account of this name.",
                field: "name",
              }),
          }),
        )
        return yield* Sql.decodeRow(Identity.ServiceAccount)(rows[0])
      })

      const listServiceAccounts = Effect.fn("Access.listServiceAccounts")(function* (workspaceId: string) {
        const rows = yield* sql`SELECT ${sql.literal(serviceAccountColumns)} FROM service_accounts
          WHERE workspace_id = ${workspaceId} ORDER BY created_at`
        return yield* Sql.decodeRows(Identity.ServiceAccount)(rows)
      })

      const deleteServiceAccount = Effect.fn("Access.deleteServiceAccount")(function* (serviceAccountId: string) {
        const rows = yield* sql`DELETE FROM service_accounts WHERE id = ${serviceAccountId} RETURNING id`
        if (rows.length === 0) return yield* ApiErrors.NotFound.of("service account", serviceAccountId)
      })

      return Access.of(
        Sql.edge({
          authenticateToken,
          authorize,
          locate,
          createToken,
          listTokens,
          revokeToken,
          createServiceAccount,
          listServiceAccounts,
          deleteServiceAccount,
        }),
      )
    }),
  )
}
