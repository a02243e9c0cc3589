import { Sql } from "@starform/db"
import { ApiErrors, Identity, IdentityMeApi, Ids, WorkspacesApi } from "@starform/domain"
import { Context, Duration, Effect, Layer, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Emails from "../Emails.ts"
import { IdentityConfig } from "../IdentityConfig.ts"
import * as Policy from "../policy/Policy.ts"
import * as Secrets from "../Secrets.ts"
import * as Outbox from "../store/Outbox.ts"
import * as Slugs from "./Slugs.ts"

/**
 * Workspaces, their members and invitations, and project membership. The gateway has already authorized the action
 * (e.g. `member.update`); what is checked here is what an action alone cannot say: only owners make owners, a
 * workspace always keeps an owner, an invitation is for the address it was sent to.
 */

type WorkspaceRole = Identity.WorkspaceRole

const workspaceColumns = "id, name, slug, plan, created_by, deleted_at, created_at, updated_at"

export class Workspaces extends Context.Service<
  Workspaces,
  {
    readonly create: (
      userId: string,
      request: WorkspacesApi.CreateWorkspaceRequest,
    ) => Effect.Effect<Identity.Workspace, ApiErrors.Conflict>
    readonly listFor: (userId: string) => Effect.Effect<ReadonlyArray<Identity.Workspace>>
    readonly get: (workspaceId: string) => Effect.Effect<Identity.Workspace, ApiErrors.NotFound>
    readonly update: (
      workspaceId: string,
      request: typeof WorkspacesApi.UpdateWorkspaceRequest.Type,
    ) => Effect.Effect<Identity.Workspace, ApiErrors.NotFound | ApiErrors.Conflict>
    readonly remove: (workspaceId: string) => Effect.Effect<void, ApiErrors.NotFound | ApiErrors.Conflict>
    readonly memberships: (userId: string) => Effect.Effect<ReadonlyArray<IdentityMeApi.Membership>>
    readonly roleOf: (workspaceId: string, userId: string) => Effect.Effect<Option.Option<WorkspaceRole>>
    readonly members: (workspaceId: string) => Effect.Effect<ReadonlyArray<WorkspacesApi.Member>>
    readonly updateMember: (
      workspaceId: string,
      actorUserId: string | null,
      userId: string,
      role: WorkspaceRole,
    ) => Effect.Effect<WorkspacesApi.Member, ApiErrors.NotFound | ApiErrors.Forbidden | ApiErrors.Conflict>
    readonly removeMember: (
      workspaceId: string,
      actorUserId: string | null,
      userId: string,
    ) => Effect.Effect<void, ApiErrors.NotFound | ApiErrors.Forbidden | ApiErrors.Conflict>
    readonly invite: (
      workspaceId: string,
      actorUserId: string | null,
      email: string,
      role: WorkspaceRole,
    ) => Effect.Effect<Identity.Invitation, ApiErrors.Forbidden | ApiErrors.Conflict>
    readonly invitations: (workspaceId: string) => Effect.Effect<ReadonlyArray<Identity.Invitation>>
    readonly revokeInvitation: (invitationId: string) => Effect.Effect<void, ApiErrors.NotFound>
    readonly acceptInvitation: (
      userId: string,
      token: string,
    ) => Effect.Effect<IdentityMeApi.Membership, ApiErrors.Forbidden | ApiErrors.NotFound | ApiErrors.Conflict>
    readonly projectMembers: (projectId: string) => Effect.Effect<ReadonlyArray<WorkspacesApi.ProjectMemberInfo>>
    readonly setProjectMember: (
      workspaceId: string,
      projectId: string,
      userId: string,
      role: Identity.ProjectRole,
    ) => Effect.Effect<WorkspacesApi.ProjectMemberInfo, ApiErrors.NotFound>
    readonly removeProjectMember: (projectId: string, userId: string) => Effect.Effect<void, ApiErrors.NotFound>
  }
>()("starform/identity/Workspaces") {
  static readonly layer = Layer.effect(
    Workspaces,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const config = yield* IdentityConfig
      const transaction = Sql.transaction(sql)

      const slugTaken = new ApiErrors.Conflict({
        message: "This slug is taken by another workspace: choose another.",
        field: "slug",
      })

      const create = Effect.fn("Workspaces.create")(function* (
        userId: string,
        request: WorkspacesApi.CreateWorkspaceRequest,
      ) {
        const base = request.slug ?? Slugs.fromName(request.name)
        for (let attempt = 0; attempt < 5; attempt++) {
          const slug = attempt === 0 ? base : Slugs.withSuffix(base.slice(0, 50))
          const id = Ids.newId("workspace")
          const created = yield* sql
            .withTransaction(
              Effect.gen(function* () {
                const rows = yield* sql`INSERT INTO workspaces ${sql.insert({
                  id,
                  name: request.name,
                  slug,
                  createdBy: userId,
                })} RETURNING ${sql.literal(workspaceColumns)}`
                yield* sql`INSERT INTO workspace_members ${sql.insert({ workspaceId: id, userId, role: "owner" })}`
                return rows[0]
              }),
            )
            // a taken slug is none: the loop tries the next one
            .pipe(Sql.refusedBy({ workspaces_slug_unique: () => slugTaken }), Effect.option)
          if (Option.isSome(created)) return yield* Sql.decodeRow(Identity.Workspace)(created.value)
          if (request.slug !== undefined) return yield* slugTaken
        }
        return yield* slugTaken
      })

      const listFor = Effect.fn("Workspaces.listFor")(function* (userId: string) {
        const rows = yield* sql`SELECT ${sql.literal(workspaceColumns.replace(/(\w+)/g, "w.$1"))}
          FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id
          WHERE m.user_id = ${userId} AND w.deleted_at IS NULL ORDER BY w.created_at`
        return yield* Sql.decodeRows(Identity.Workspace)(rows)
      })

      const get = Effect.fn("Workspaces.get")(function* (workspaceId: string) {
        const rows = yield* sql`SELECT ${sql.literal(workspaceColumns)} FROM workspaces
          WHERE id = ${workspaceId} AND deleted_at IS NULL`
        if (rows[0] === undefined) return yield* ApiErrors.NotFound.of("workspace", workspaceId)
        return yield* Sql.decodeRow(Identity.Workspace)(rows[0])
      })

      const update = Effect.fn("Workspaces.update")(function* (
        workspaceId: string,
        request: typeof WorkspacesApi.UpdateWorkspaceRequest.Type,
      ) {
        const changes: Record<string, unknown> = {}
        if (request.name !== undefined) changes.name = request.name
        if (request.slug !== undefined) changes.slug = request.slug
        if (Object.keys(changes).length === 0) return yield* get(workspaceId)
        const rows = yield* sql`UPDATE workspaces SET ${sql.update(changes)}
          WHERE id = ${workspaceId} AND deleted_at IS NULL RETURNING ${sql.literal(workspaceColumns)}`.pipe(
          Sql.refusedBy({ workspaces_slug_unique: () => slugTaken }),
        )
        if (rows[0] === undefined) return yield* ApiErrors.NotFound.of("workspace", workspaceId)
        return yield* Sql.decodeRow(Identity.Workspace)(rows[0])
      })

      const billingOpen = new ApiErrors.Conflict({
        message:
          "This workspace still has billing records (a customer, subscription, invoices or usage): close its billing first.",
      })

      // Whether the workspace still has projects is the projects service's to say: the gateway (or, for an account
      // deletion, the count it passed) has refused that case before this runs.
      const remove = Effect.fn("Workspaces.remove")(function* (workspaceId: string) {
        const rows = yield* sql`DELETE FROM workspaces WHERE id = ${workspaceId} RETURNING id`.pipe(
          Sql.refusedBy({
            billing_customers_workspace_fk: () => billingOpen,
            subscriptions_customer_fk: () => billingOpen,
            invoices_customer_fk: () => billingOpen,
            usage_records_workspace_fk: () => billingOpen,
          }),
        )
        if (rows.length === 0) return yield* ApiErrors.NotFound.of("workspace", workspaceId)
      })

      const memberships = Effect.fn("Workspaces.memberships")(function* (userId: string) {
        const rows = yield* sql<{
          workspaceId: string
          workspaceName: string
          role: string
          createdAt: Date
        }>`SELECT m.workspace_id, w.name AS workspace_name, m.role, m.created_at
          FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
          WHERE m.user_id = ${userId} AND w.deleted_at IS NULL ORDER BY m.created_at`
        return yield* Sql.decodeRows(IdentityMeApi.Membership)(rows)
      })

      const roleOf = Effect.fn("Workspaces.roleOf")(function* (workspaceId: string, userId: string) {
        const rows = yield* sql<{ role: WorkspaceRole }>`SELECT role FROM workspace_members
          WHERE workspace_id = ${workspaceId} AND user_id = ${userId}`
        return Option.map(Option.fromNullishOr(rows[0]), (row) => row.role)
      })

      const memberQuery = (workspaceId: string, userId: string | null) =>
        sql`SELECT m.user_id, u.email, u.name, m.role, m.created_at
          FROM workspace_members m JOIN users u ON u.id = m.user_id
          WHERE m.workspace_id = ${workspaceId} ${userId === null ? sql`` : sql`AND m.user_id = ${userId}`}
          ORDER BY m.created_at`

      const members = Effect.fn("Workspaces.members")(function* (workspaceId: string) {
        return yield* Sql.decodeRows(WorkspacesApi.Member)(yield* memberQuery(workspaceId, null))
      })

      const notMember = (userId: string) => ApiErrors.NotFound.of("member", userId)

      /** The granter's role: people are checked, tokens (already authorized for the action) act as admins. */
      const granterRole = (workspaceId: string, actorUserId: string | null) =>
        actorUserId === null
          ? Effect.succeed<WorkspaceRole>("admin")
          : Effect.map(
              roleOf(workspaceId, actorUserId),
              Option.getOrElse((): WorkspaceRole => "viewer"),
            )

      const ownersOf = (workspaceId: string) =>
        Effect.map(
          sql<{ count: number }>`SELECT count(*)::int AS count FROM workspace_members
            WHERE workspace_id = ${workspaceId} AND role = 'owner'`,
          (rows) => rows[0]?.count ?? 0,
        )

      const updateMember = Effect.fn("Workspaces.updateMember")(function* (
        workspaceId: string,
        actorUserId: string | null,
        userId: string,
        role: WorkspaceRole,
      ) {
        return yield* transaction(
          Effect.gen(function* () {
            yield* sql`SELECT 1 FROM workspaces WHERE id = ${workspaceId} FOR UPDATE`
            const current = yield* roleOf(workspaceId, userId)
            if (Option.isNone(current)) return yield* notMember(userId)
            const granter = yield* granterRole(workspaceId, actorUserId)
            if (!Policy.mayGrant(granter, role) || !Policy.mayGrant(granter, current.value)) {
              return yield* new ApiErrors.Forbidden({ message: "Only an owner can make or change an owner." })
            }
            if (current.value === "owner" && role !== "owner" && (yield* ownersOf(workspaceId)) <= 1) {
              return yield* new ApiErrors.Conflict({
                message: "This is the workspace's last owner: make someone else an owner first.",
                field: "role",
              })
            }
            yield* sql`UPDATE workspace_members SET role = ${role}
              WHERE workspace_id = ${workspaceId} AND user_id = ${userId}`
            const rows = yield* memberQuery(workspaceId, userId)
            return yield* Sql.decodeRow(WorkspacesApi.Member)(rows[0])
          }),
        )
      })

      const removeMember = Effect.fn("Workspaces.removeMember")(function* (
        workspaceId: string,
        actorUserId: string | null,
        userId: string,
      ) {
        yield* transaction(
          Effect.gen(function* () {
            yield* sql`SELECT 1 FROM workspaces WHERE id = ${workspaceId} FOR UPDATE`
            const current = yield* roleOf(workspaceId, userId)
            if (Option.isNone(current)) return yield* notMember(userId)
            const granter = yield* granterRole(workspaceId, actorUserId)
            if (!Policy.mayGrant(granter, current.value)) {
              return yield* new ApiErrors.Forbidden({ message: "Only an owner can remove an owner." })
            }
            if (current.value === "owner" && (yield* ownersOf(workspaceId)) <= 1) {
              return yield* new ApiErrors.Conflict({
                message:
                  "This is the workspace's last owner: make someone else an owner first, or delete the workspace.",
              })
            }
            // their project roles in this workspace go with it (`project_members_workspace_member_fk` cascades)
            yield* sql`DELETE FROM workspace_members WHERE workspace_id = ${workspaceId} AND user_id = ${userId}`
          }),
        )
      })

      const invitationColumns =
        "id, workspace_id, email, role, invited_by, expires_at, accepted_at, accepted_by, revoked_at, created_at, updated_at"

      const invite = Effect.fn("Workspaces.invite")(function* (
        workspaceId: string,
        actorUserId: string | null,
        email: string,
        role: WorkspaceRole,
      ) {
        const granter = yield* granterRole(workspaceId, actorUserId)
        if (!Policy.mayGrant(granter, role)) {
          return yield* new ApiErrors.Forbidden({ message: "Only an owner can invite an owner." })
        }
        const workspace = yield* get(workspaceId).pipe(Effect.orDie)
        const token = Secrets.newOpaqueToken("sfi")
        return yield* transaction(
          Effect.gen(function* () {
            const already = yield* sql`SELECT 1 FROM workspace_members m JOIN users u ON u.id = m.user_id
              WHERE m.workspace_id = ${workspaceId} AND lower(u.email) = lower(${email})`
            if (already.length > 0) {
              return yield* new ApiErrors.Conflict({
                message: "This person is already a member of the workspace.",
                field: "email",
              })
            }
            // A new invitation to the same address replaces the open one, so the latest email is the one that works.
            yield* sql`UPDATE invitations SET revoked_at = now() WHERE workspace_id = ${workspaceId}
              AND lower(email) = lower(${email}) AND accepted_at IS NULL AND revoked_at IS NULL`
            const rows = yield* sql`INSERT INTO invitations ${sql.insert({
              id: Identity.newInvitationId(),
              workspaceId,
              email,
              role,
              tokenHash: Secrets.hash(token),
              invitedBy: actorUserId,
              expiresAt: new Date(Date.now() + Duration.toMillis(config.invitationLifetime)),
            })} RETURNING ${sql.literal(invitationColumns)}`
            const invitee = yield* sql<{
              id: string
            }>`SELECT id FROM users WHERE lower(email) = lower(${email})`
            yield* Outbox.enqueue(
              sql,
              email,
              Emails.invitation(config.publicUrl, token, workspace.name, role),
              invitee[0]?.id ?? null,
            )
            return yield* Sql.decodeRow(Identity.Invitation)(rows[0])
          }),
        )
      })

      const invitations = Effect.fn("Workspaces.invitations")(function* (workspaceId: string) {
        const rows = yield* sql`SELECT ${sql.literal(invitationColumns)} FROM invitations
          WHERE workspace_id = ${workspaceId} AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
          ORDER BY created_at`
        return yield* Sql.decodeRows(Identity.Invitation)(rows)
      })

      const revokeInvitation = Effect.fn("Workspaces.revokeInvitation")(function* (invitationId: string) {
        const rows = yield* sql`UPDATE invitations SET revoked_at = now()
          WHERE id = ${invitationId} AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id`
        if (rows.length === 0) return yield* ApiErrors.NotFound.of("invitation", invitationId)
      })

      const acceptInvitation = Effect.fn("Workspaces.acceptInvitation")(function* (userId: string, token: string) {
        return yield* transaction(
          Effect.gen(function* () {
            const rows = yield* sql<{
              id: string
              workspaceId: string
              email: string
              role: WorkspaceRole
            }>`SELECT i.id, i.workspace_id, i.email, i.role FROM invitations i
              JOIN workspaces w ON w.id = i.workspace_id AND w.deleted_at IS NULL
              WHERE i.token_hash = ${Secrets.hash(token)} AND i.accepted_at IS NULL AND i.revoked_at IS NULL
                AND i.expires_at > now() FOR UPDATE OF i`
            const invitation = rows[0]
            if (invitation === undefined) {
              return yield* new ApiErrors.NotFound({
                message: "This invitation does not exist, has expired or was withdrawn: ask for a new one.",
              })
            }
            const me = yield* sql<{ email: string }>`SELECT email FROM users WHERE id = ${userId}`
            if (me[0]?.email.toLowerCase() !== invitation.email.toLowerCase()) {
              return yield* new ApiErrors.Forbidden({
                message: "This invitation was sent to another email address: sign in with that account to accept it.",
              })
            }
            const inserted = yield* sql`INSERT INTO workspace_members ${sql.insert({
              workspaceId: invitation.workspaceId,
              userId,
              role: invitation.role,
            })} ON CONFLICT DO NOTHING RETURNING user_id`
            if (inserted.length === 0) {
              return yield* new ApiErrors.Conflict({ message: "You are already a member of this workspace." })
            }
            yield* sql`UPDATE invitations SET accepted_at = now(), accepted_by = ${userId}
              WHERE id = ${invitation.id}`
            const membership = (yield* memberships(userId)).find((m) => m.workspaceId === invitation.workspaceId)
            return membership!
          }),
        )
      })

      const projectMemberQuery = (projectId: string, userId: string | null) =>
        sql`SELECT pm.project_id, pm.user_id, u.email, u.name, pm.role, pm.created_at
          FROM project_members pm JOIN users u ON u.id = pm.user_id
          WHERE pm.project_id = ${projectId} ${userId === null ? sql`` : sql`AND pm.user_id = ${userId}`}
          ORDER BY pm.created_at`

      const projectMembers = Effect.fn("Workspaces.projectMembers")(function* (projectId: string) {
        return yield* Sql.decodeRows(WorkspacesApi.ProjectMemberInfo)(yield* projectMemberQuery(projectId, null))
      })

      const setProjectMember = Effect.fn("Workspaces.setProjectMember")(function* (
        workspaceId: string,
        projectId: string,
        userId: string,
        role: Identity.ProjectRole,
      ) {
        // Project roles raise a workspace member's power in one project; they never admit outsiders. Both foreign
        // keys check it: the person is a member of `workspaceId`, and the project is one of its projects.
        yield* sql`INSERT INTO project_members ${sql.insert({ workspaceId, projectId, userId, role })}
          ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role`.pipe(
          Sql.refusedBy({
            project_members_workspace_member_fk: () => notMember(userId),
            project_members_project_fk: () => ApiErrors.NotFound.of("project", projectId),
          }),
        )
        return yield* Sql.decodeRow(WorkspacesApi.ProjectMemberInfo)((yield* projectMemberQuery(projectId, userId))[0])
      })

      const removeProjectMember = Effect.fn("Workspaces.removeProjectMember")(function* (
        projectId: string,
        userId: string,
      ) {
        const rows = yield* sql`DELETE FROM project_members WHERE project_id = ${projectId} AND user_id = ${userId}
          RETURNING user_id`
        if (rows.length === 0) return yield* notMember(userId)
      })

      return Workspaces.of(
        Sql.edge({
          create,
          listFor,
          get,
          update,
          remove,
          memberships,
          roleOf,
          members,
          updateMember,
          removeMember,
          invite,
          invitations,
          revokeInvitation,
          acceptInvitation,
          projectMembers,
          setProjectMember,
          removeProjectMember,
        }),
      )
    }),
  )
}
