import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import { Authentication } from "../Auth.ts"
import { Timestamp } from "../Columns.ts"
import {
  EmailInput,
  Invitation,
  InvitationId,
  ProjectRole,
  Workspace,
  WorkspaceNameInput,
  WorkspaceRole,
} from "../Identity.ts"
import { ProjectId, UserId, WorkspaceId } from "../Ids.ts"
import { WorkspaceSlug } from "../Names.ts"
import * as RequestBodies from "../RequestBodies.ts"

/** Workspaces, their members and invitations, and project-level membership. */

export const CreateWorkspaceRequest = Schema.Struct({
  name: WorkspaceNameInput.pipe(
    Schema.annotateEncoded({ description: "The workspace's display name: 1 to 64 characters." }),
  ),
  /** Derived from the name when omitted. */
  slug: Schema.optionalKey(WorkspaceSlug).annotate({
    description: "The workspace's slug, unique across Starform; derived from the name when omitted.",
  }),
})
export type CreateWorkspaceRequest = typeof CreateWorkspaceRequest.Type

export const UpdateWorkspaceRequest = Schema.Struct({
  name: Schema.optionalKey(WorkspaceNameInput.pipe(Schema.annotateEncoded({ description: "A new display name." }))),
  slug: Schema.optionalKey(WorkspaceSlug).annotate({ description: "A new slug, unique across Starform." }),
})

/**
 * 409 for deleting a workspace that still has projects: projects are deleted through the projects service, which
 * takes down what they run first, never swept away with their workspace.
 */
export const stillHasProjects = (count: number) =>
  new Conflict({
    message: `This workspace still has ${count} project(s): delete them first, which also stops what they run.`,
  })

/** A person in a workspace and their role there. */
export class Member extends Schema.Class<Member>("Member")({
  userId: UserId.annotate({ description: "The person's id." }),
  email: Schema.String.annotate({ description: "The person's email address." }),
  name: Schema.String.annotate({ description: "The person's name." }),
  role: WorkspaceRole.annotate({ description: "The person's role in the workspace." }),
  createdAt: Timestamp.annotate({ description: "When the person joined." }),
}) {}

/** A person in a project and their role there (beside their workspace role). */
export class ProjectMemberInfo extends Schema.Class<ProjectMemberInfo>("ProjectMemberInfo")({
  projectId: ProjectId.annotate({ description: "The project." }),
  userId: UserId.annotate({ description: "The person's id." }),
  email: Schema.String.annotate({ description: "The person's email address." }),
  name: Schema.String.annotate({ description: "The person's name." }),
  role: ProjectRole.annotate({ description: "The person's role in the project." }),
  createdAt: Timestamp.annotate({ description: "When the person was added to the project." }),
}) {}

export const UpdateMemberRequest = Schema.Struct({
  role: WorkspaceRole.annotate({ description: "The new role: `owner`, `admin`, `developer` or `viewer`." }),
})
export const InviteRequest = Schema.Struct({
  email: EmailInput.pipe(
    Schema.annotateEncoded({ description: "The address to invite; the invitation link is emailed there." }),
  ),
  role: WorkspaceRole.annotate({ description: "The role the person gets on accepting." }),
})
export const ProjectMemberRequest = Schema.Struct({
  role: ProjectRole.annotate({ description: "The person's role in the project: `admin`, `developer` or `viewer`." }),
})

const workspaceId = { workspaceId: WorkspaceId }

export const WorkspacesGroup = HttpApiGroup.make("workspaces")
  .add(
    HttpApiEndpoint.post("createWorkspace", "/v1/workspaces", {
      payload: CreateWorkspaceRequest,
      success: Workspace.pipe(HttpApiSchema.status(201)),
      error: [ValidationFailed, Forbidden, Conflict],
    }).annotate(OpenApi.Summary, "Create a workspace; its creator is its owner"),
    HttpApiEndpoint.get("listWorkspaces", "/v1/workspaces", { success: Schema.Array(Workspace) }).annotate(
      OpenApi.Summary,
      "The workspaces the caller belongs to",
    ),
    HttpApiEndpoint.get("getWorkspace", "/v1/workspaces/:workspaceId", {
      params: workspaceId,
      success: Workspace,
      error: [Forbidden, NotFound],
    }),
    HttpApiEndpoint.patch("updateWorkspace", "/v1/workspaces/:workspaceId", {
      params: workspaceId,
      payload: RequestBodies.optional(UpdateWorkspaceRequest),
      success: Workspace,
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    }).annotate(OpenApi.Summary, "Rename a workspace or change its slug"),
    HttpApiEndpoint.delete("deleteWorkspace", "/v1/workspaces/:workspaceId", {
      params: workspaceId,
      error: [Forbidden, NotFound, Conflict],
    }).annotate(OpenApi.Summary, "Delete a workspace and everything in it (owners only)"),
    HttpApiEndpoint.get("listMembers", "/v1/workspaces/:workspaceId/members", {
      params: workspaceId,
      success: Schema.Array(Member),
      error: [Forbidden, NotFound],
    }),
    HttpApiEndpoint.patch("updateMember", "/v1/workspaces/:workspaceId/members/:userId", {
      params: { workspaceId: WorkspaceId, userId: UserId },
      payload: UpdateMemberRequest,
      success: Member,
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    }).annotate(OpenApi.Summary, "Change a member's role"),
    HttpApiEndpoint.delete("removeMember", "/v1/workspaces/:workspaceId/members/:userId", {
      params: { workspaceId: WorkspaceId, userId: UserId },
      error: [Forbidden, NotFound, Conflict],
    }).annotate(OpenApi.Summary, "Remove a member (never the last owner)"),
    HttpApiEndpoint.post("invite", "/v1/workspaces/:workspaceId/invitations", {
      params: workspaceId,
      payload: InviteRequest,
      success: Invitation.pipe(HttpApiSchema.status(201)),
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    }).annotate(OpenApi.Summary, "Invite someone by email; the link is in the email only"),
    HttpApiEndpoint.get("listInvitations", "/v1/workspaces/:workspaceId/invitations", {
      params: workspaceId,
      success: Schema.Array(Invitation),
      error: [Forbidden, NotFound],
    }),
    HttpApiEndpoint.delete("revokeInvitation", "/v1/invitations/:invitationId", {
      params: { invitationId: InvitationId },
      error: [Forbidden, NotFound],
    }),
    HttpApiEndpoint.get("listProjectMembers", "/v1/projects/:projectId/members", {
      params: { projectId: ProjectId },
      success: Schema.Array(ProjectMemberInfo),
      error: [Forbidden, NotFound],
    }),
    HttpApiEndpoint.put("setProjectMember", "/v1/projects/:projectId/members/:userId", {
      params: { projectId: ProjectId, userId: UserId },
      payload: ProjectMemberRequest,
      success: ProjectMemberInfo,
      error: [ValidationFailed, Forbidden, NotFound],
    }).annotate(OpenApi.Summary, "Give a workspace member a role in one project"),
    HttpApiEndpoint.delete("removeProjectMember", "/v1/projects/:projectId/members/:userId", {
      params: { projectId: ProjectId, userId: UserId },
      error: [Forbidden, NotFound],
    }),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Workspaces")
