import { Sql } from "@starform/db"
import { ApiErrors, Audit, type Auth, Identity, IdentityMeApi, WorkspacesApi } from "@starform/domain"
import { Context, DateTime, Effect, Layer, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { Passwords } from "../Passwords.ts"
import * as Secrets from "../Secrets.ts"
import { Sessions } from "../store/Sessions.ts"
import * as Users from "../store/Users.ts"
import { Workspaces } from "../workspaces/Workspaces.ts"

/**
 * The right of access and the right to be forgotten. Export gathers everything kept about a person. Deletion removes
 * what only they own (their account, sessions, memberships, emails, workspaces where they are alone), revokes the
 * API tokens they made for themselves, replaces their id in the audit log with a pseudonym wherever it is the actor or
 * the target (and clears the IPs and user agents of what they did), and is refused while they are the last owner of a workspace that still has other members.
 */

export class Gdpr extends Context.Service<
  Gdpr,
  {
    readonly exportAccount: (actor: Auth.Actor) => Effect.Effect<IdentityMeApi.AccountExport, ApiErrors.Unauthenticated>
    /** The pseudonym that now stands for the person in the audit log. */
    readonly deleteAccount: (
      userId: string,
      password: string | null,
      projectCounts: { readonly [workspaceId: string]: number },
    ) => Effect.Effect<string, ApiErrors.Unauthenticated | ApiErrors.Conflict | ApiErrors.ValidationFailed>
  }
>()("starform/identity/Gdpr") {
  static readonly layer = Layer.effect(
    Gdpr,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const passwords = yield* Passwords
      const sessions = yield* Sessions
      const workspaces = yield* Workspaces
      const users = Users.make(sql)

      const gone = new ApiErrors.Unauthenticated({ message: "This account no longer exists." })

      const exportAccount = Effect.fn("Gdpr.exportAccount")(function* (actor: Auth.Actor) {
        if (actor.userId === null) return yield* gone
        const userId = actor.userId
        const user = yield* users.byId(userId)
        if (Option.isNone(user)) return yield* gone
        const created = yield* sql`SELECT id, name, slug, plan, created_by, deleted_at, created_at, updated_at
          FROM workspaces WHERE created_by = ${userId} ORDER BY created_at`
        const tokens = yield* sql`SELECT id, workspace_id, project_id, name, token_prefix, scopes, service_account_id,
          created_by, expires_at, last_used_at, revoked_at, created_at, updated_at
          FROM api_tokens WHERE created_by = ${userId} ORDER BY created_at`
        const sso = yield* sql`SELECT issuer, subject, user_id, email, created_at FROM sso_identities
          WHERE user_id = ${userId}`
        const invitations = yield* sql`SELECT id, workspace_id, email, role, invited_by, expires_at, accepted_at,
          accepted_by, revoked_at, created_at, updated_at FROM invitations WHERE invited_by = ${userId}
          ORDER BY created_at`
        const audit = yield* sql`SELECT id, occurred_at, workspace_id, actor_type, actor_id, action, target_type,
          target_id, host(ip) AS ip, user_agent, outcome, metadata, created_at FROM audit_log
          WHERE actor_id = ${userId} ORDER BY occurred_at DESC LIMIT 10000`
        return new IdentityMeApi.AccountExport({
          exportedAt: DateTime.nowUnsafe(),
          user: user.value,
          sessions: yield* sessions.list(userId, actor.sessionId),
          memberships: yield* workspaces.memberships(userId),
          workspacesCreated: yield* Sql.decodeRows(Identity.Workspace)(created),
          apiTokens: yield* Sql.decodeRows(Identity.ApiToken)(tokens),
          ssoIdentities: yield* Sql.decodeRows(Identity.SsoIdentity)(sso),
          invitationsSent: yield* Sql.decodeRows(Identity.Invitation)(invitations),
          auditEntries: yield* Sql.decodeRows(Audit.AuditEntry)(audit),
        })
      })

      const deleteAccount = Effect.fn("Gdpr.deleteAccount")(function* (
        userId: string,
        password: string | null,
        projectCounts: { readonly [workspaceId: string]: number },
      ) {
        const found = yield* users.credentialsById(userId)
        if (Option.isNone(found)) return yield* gone
        if (found.value.passwordHash !== null) {
          if (password === null) {
            return yield* ApiErrors.ValidationFailed.field(
              "password",
              "required",
              "is required: confirm the deletion with the account's password",
            )
          }
          if (!(yield* passwords.verify(found.value.passwordHash, password))) {
            return yield* new ApiErrors.Unauthenticated({
              message: "The password is wrong: the account was not deleted.",
            })
          }
        }
        const pseudonym = `pseudonym_${Secrets.randomBase62(24).toLowerCase()}`
        yield* Sql.transaction(sql)(
          Effect.gen(function* () {
            const owned = yield* sql<{
              workspaceId: string
              name: string
              owners: number
              others: number
            }>`SELECT m.workspace_id, w.name,
                  (SELECT count(*)::int FROM workspace_members o WHERE o.workspace_id = m.workspace_id
                    AND o.role = 'owner' AND o.user_id <> ${userId}) AS owners,
                  (SELECT count(*)::int FROM workspace_members o WHERE o.workspace_id = m.workspace_id
                    AND o.user_id <> ${userId}) AS others
                FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
                WHERE m.user_id = ${userId} AND m.role = 'owner' FOR UPDATE OF w`
            const blocking = owned.filter((w) => w.owners === 0 && w.others > 0)
            if (blocking.length > 0) {
              const names = blocking.map((w) => `"${w.name}" (${w.workspaceId}, ${w.others} other member(s))`)
              return yield* new ApiErrors.Conflict({
                message: `You are the last owner of ${names.join(", ")}: make another member an owner, or remove the other members, before deleting your account.`,
              })
            }
            for (const alone of owned.filter((w) => w.others === 0)) {
              const projects = projectCounts[alone.workspaceId] ?? 0
              if (projects > 0) {
                return yield* new ApiErrors.Conflict({
                  message: `Your workspace "${alone.name}" (${alone.workspaceId}) cannot be deleted yet: ${WorkspacesApi.stillHasProjects(projects).message}`,
                })
              }
              yield* workspaces.remove(alone.workspaceId).pipe(
                Effect.catchTag("NotFound", () => Effect.void),
                Effect.mapError(
                  (conflict) =>
                    new ApiErrors.Conflict({
                      message: `Your workspace "${alone.name}" (${alone.workspaceId}) cannot be deleted yet: ${conflict.message}`,
                    }),
                ),
              )
            }
            yield* sql`UPDATE api_tokens SET revoked_at = now()
                WHERE created_by = ${userId} AND service_account_id IS NULL AND revoked_at IS NULL`
            // Entries by them lose their address and user agent too; entries about them keep the actor's.
            yield* sql`UPDATE audit_log SET
                  actor_id = CASE WHEN actor_id = ${userId} THEN ${pseudonym} ELSE actor_id END,
                  target_id = CASE WHEN target_id = ${userId} THEN ${pseudonym} ELSE target_id END,
                  ip = CASE WHEN actor_id = ${userId} THEN NULL ELSE ip END,
                  user_agent = CASE WHEN actor_id = ${userId} THEN NULL ELSE user_agent END
                WHERE actor_id = ${userId} OR target_id = ${userId}`
            yield* sql`DELETE FROM email_outbox WHERE user_id = ${userId}
                OR lower(to_address) = lower(${found.value.email})`
            yield* sql`DELETE FROM invitations WHERE lower(email) = lower(${found.value.email})`
            yield* sql`DELETE FROM users WHERE id = ${userId}`
          }),
        )
        return pseudonym
      })

      return Gdpr.of(Sql.edge({ exportAccount, deleteAccount }))
    }),
  )
}
