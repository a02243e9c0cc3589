import { Auth, PublicApi } from "@starform/domain"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as AuditTrail from "../auth/AuditTrail.ts"
import { AuthCache } from "../auth/AuthCache.ts"
import { ProjectsClient } from "../projects/ProjectsClient.ts"
import { call, IdentityClient } from "./IdentityClient.ts"
import * as ProjectsOf from "./ProjectsOfWorkspaces.ts"

/**
 * Workspaces, members, invitations and project members. Authorization is not here: each endpoint declares it in the
 * contract (`Auth.requires`, or `Auth.tenantless` for creating and listing workspaces) and `Auth.Authorization` applies
 * it before a handler runs, giving it `CurrentTenant`. Identity checks only what the action cannot say (who may grant
 * `owner`, the last owner, …).
 */
export const WorkspaceHandlers = HttpApiBuilder.group(PublicApi.Api, "workspaces", (handlers) =>
  Effect.gen(function* () {
    const identity = yield* IdentityClient
    const projects = yield* ProjectsClient
    const cache = yield* AuthCache
    const actor = Auth.CurrentActor

    return handlers
      .handle("createWorkspace", ({ payload }) =>
        Effect.gen(function* () {
          const workspace = yield* call(identity.CreateWorkspace({ actor: yield* actor, request: payload }))
          yield* AuditTrail.note({
            action: "workspace.create",
            workspaceId: workspace.id,
            targetType: "workspace",
            targetId: workspace.id,
          })
          return workspace
        }),
      )
      .handle("listWorkspaces", () => Effect.flatMap(actor, (actor) => call(identity.ListWorkspaces({ actor }))))
      .handle("getWorkspace", ({ params }) => call(identity.GetWorkspace({ workspaceId: params.workspaceId })))
      .handle("updateWorkspace", ({ params, payload }) =>
        Effect.flatMap(actor, (actor) =>
          call(identity.UpdateWorkspace({ actor, workspaceId: params.workspaceId, request: payload })),
        ),
      )
      .handle("deleteWorkspace", ({ params }) =>
        Effect.gen(function* () {
          yield* ProjectsOf.refuseWhileAny(projects, params.workspaceId)
          yield* call(identity.DeleteWorkspace({ actor: yield* actor, workspaceId: params.workspaceId }))
          cache.clear()
        }),
      )
      .handle("listMembers", ({ params }) => call(identity.ListMembers({ workspaceId: params.workspaceId })))
      .handle("updateMember", ({ params, payload }) =>
        Effect.gen(function* () {
          const member = yield* call(
            identity.UpdateMember({
              actor: yield* actor,
              workspaceId: params.workspaceId,
              userId: params.userId,
              request: payload,
            }),
          )
          cache.clear()
          return member
        }),
      )
      .handle("removeMember", ({ params }) =>
        Effect.gen(function* () {
          yield* call(
            identity.RemoveMember({ actor: yield* actor, workspaceId: params.workspaceId, userId: params.userId }),
          )
          cache.clear()
        }),
      )
      .handle("invite", ({ params, payload }) =>
        Effect.flatMap(actor, (actor) =>
          call(identity.Invite({ actor, workspaceId: params.workspaceId, request: payload })),
        ),
      )
      .handle("listInvitations", ({ params }) => call(identity.ListInvitations({ workspaceId: params.workspaceId })))
      .handle("revokeInvitation", ({ params }) =>
        Effect.flatMap(actor, (actor) => call(identity.RevokeInvitation({ actor, invitationId: params.invitationId }))),
      )
      .handle("listProjectMembers", ({ params }) => call(identity.ListProjectMembers({ projectId: params.projectId })))
      .handle("setProjectMember", ({ params, payload }) =>
        Effect.gen(function* () {
          const { workspaceId } = yield* Auth.CurrentTenant
          const member = yield* call(
            identity.SetProjectMember({
              actor: yield* actor,
              workspaceId,
              projectId: params.projectId,
              userId: params.userId,
              request: payload,
            }),
          )
          cache.clear()
          return member
        }),
      )
      .handle("removeProjectMember", ({ params }) =>
        Effect.gen(function* () {
          yield* call(
            identity.RemoveProjectMember({ actor: yield* actor, projectId: params.projectId, userId: params.userId }),
          )
          cache.clear()
        }),
      )
  }),
)
