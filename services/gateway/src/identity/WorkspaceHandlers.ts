import { Auth, type Ids, PublicApi } from "@starform/domain"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as AuditTrail from "../auth/AuditTrail.ts"
import { AuthCache } from "../auth/AuthCache.ts"
import { ProjectsClient } from "../projects/ProjectsClient.ts"
import { call, IdentityClient } from "./IdentityClient.ts"
import * as ProjectsOf from "./ProjectsOfWorkspaces.ts"

/**
 * Workspaces, members, invitations and project members. Each handler resolves the tenant from the resource, asks the
 * `Authorizer`, then calls identity; identity checks only what the action cannot say (who may grant `owner`, …).
 */
export const WorkspaceHandlers = HttpApiBuilder.group(PublicApi.Api, "workspaces", (handlers) =>
  Effect.gen(function* () {
    const identity = yield* IdentityClient
    const projects = yield* ProjectsClient
    const cache = yield* AuthCache

    const inWorkspace = (action: Auth.Action, workspaceId: Ids.WorkspaceId, resource?: { type: string; id: string }) =>
      Effect.andThen(Auth.authorize(action, { workspaceId, resource }), Auth.CurrentActor)

    /** Authorizes `action` on a project, located by the projects service; the actor and the project's workspace. */
    const project = (action: Auth.Action, projectId: Ids.ProjectId) =>
      Effect.gen(function* () {
        const workspaceId = yield* ProjectsOf.workspaceOf(projects, projectId)
        yield* Auth.authorize(action, { workspaceId, projectId })
        return { actor: yield* Auth.CurrentActor, workspaceId }
      })

    return handlers
      .handle("createWorkspace", ({ payload }) =>
        Effect.gen(function* () {
          const actor = yield* Auth.CurrentActor
          const workspace = yield* call(identity.CreateWorkspace({ actor, request: payload }))
          yield* AuditTrail.note({
            action: "workspace.create",
            workspaceId: workspace.id,
            targetType: "workspace",
            targetId: workspace.id,
          })
          return workspace
        }),
      )
      .handle("listWorkspaces", () =>
        Effect.flatMap(Auth.CurrentActor, (actor) => call(identity.ListWorkspaces({ actor }))),
      )
      .handle("getWorkspace", ({ params }) =>
        Effect.andThen(
          inWorkspace("workspace.read", params.workspaceId),
          call(identity.GetWorkspace({ workspaceId: params.workspaceId })),
        ),
      )
      .handle("updateWorkspace", ({ params, payload }) =>
        Effect.flatMap(inWorkspace("workspace.update", params.workspaceId), (actor) =>
          call(identity.UpdateWorkspace({ actor, workspaceId: params.workspaceId, request: payload })),
        ),
      )
      .handle("deleteWorkspace", ({ params }) =>
        Effect.gen(function* () {
          const actor = yield* inWorkspace("workspace.delete", params.workspaceId)
          yield* ProjectsOf.refuseWhileAny(projects, params.workspaceId)
          yield* call(identity.DeleteWorkspace({ actor, workspaceId: params.workspaceId }))
          cache.clear()
        }),
      )
      .handle("listMembers", ({ params }) =>
        Effect.andThen(
          inWorkspace("member.read", params.workspaceId),
          call(identity.ListMembers({ workspaceId: params.workspaceId })),
        ),
      )
      .handle("updateMember", ({ params, payload }) =>
        Effect.gen(function* () {
          const actor = yield* inWorkspace("member.update", params.workspaceId, { type: "member", id: params.userId })
          const member = yield* call(
            identity.UpdateMember({ actor, workspaceId: params.workspaceId, userId: params.userId, request: payload }),
          )
          cache.clear()
          return member
        }),
      )
      .handle("removeMember", ({ params }) =>
        Effect.gen(function* () {
          const actor = yield* inWorkspace("member.remove", params.workspaceId, { type: "member", id: params.userId })
          yield* call(identity.RemoveMember({ actor, workspaceId: params.workspaceId, userId: params.userId }))
          cache.clear()
        }),
      )
      .handle("invite", ({ params, payload }) =>
        Effect.flatMap(inWorkspace("member.invite", params.workspaceId), (actor) =>
          call(identity.Invite({ actor, workspaceId: params.workspaceId, request: payload })),
        ),
      )
      .handle("listInvitations", ({ params }) =>
        Effect.andThen(
          inWorkspace("member.read", params.workspaceId),
          call(identity.ListInvitations({ workspaceId: params.workspaceId })),
        ),
      )
      .handle("revokeInvitation", ({ params }) =>
        Effect.gen(function* () {
          const location = yield* call(identity.Locate({ kind: "invitation", id: params.invitationId }))
          const actor = yield* inWorkspace("member.invite", location.workspaceId, {
            type: "invitation",
            id: params.invitationId,
          })
          yield* call(identity.RevokeInvitation({ actor, invitationId: params.invitationId }))
        }),
      )
      .handle("listProjectMembers", ({ params }) =>
        Effect.andThen(
          project("project.read", params.projectId),
          call(identity.ListProjectMembers({ projectId: params.projectId })),
        ),
      )
      .handle("setProjectMember", ({ params, payload }) =>
        Effect.gen(function* () {
          const { actor, workspaceId } = yield* project("member.update", params.projectId)
          const member = yield* call(
            identity.SetProjectMember({
              actor,
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
          const { actor } = yield* project("member.update", params.projectId)
          yield* call(identity.RemoveProjectMember({ actor, projectId: params.projectId, userId: params.userId }))
          cache.clear()
        }),
      )
  }),
)
