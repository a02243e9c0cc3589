import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import * as Auth from "../Auth.ts"
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
export class Member extends Schema.Class<Member>("Member")(
  {
    userId: UserId.annotate({ description: "The person's id." }),
    email: Schema.String.annotate({ description: "The person's email address." }),
    name: Schema.String.annotate({ description: "The person's name." }),
    role: WorkspaceRole.annotate({ description: "The person's role in the workspace." }),
    createdAt: Timestamp.annotate({ description: "When the person joined." }),
  },
  { description: "A person in the workspace and their role there." },
) {}

/** A person in a project and their role there (beside their workspace role). */
export class ProjectMemberInfo extends Schema.Class<ProjectMemberInfo>("ProjectMemberInfo")(
  {
    projectId: ProjectId.annotate({ description: "The project." }),
    userId: UserId.annotate({ description: "The person's id." }),
    email: Schema.String.annotate({ description: "The person's email address." }),
    name: Schema.String.annotate({ description: "The person's name." }),
    role: ProjectRole.annotate({ description: "The person's role in the project." }),
    createdAt: Timestamp.annotate({ description: "When the person was added to the project." }),
  },
  { description: "A person in the project and their role there (beside their workspace role)." },
) {}

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
    HttpApiEndpoint.get("getWorkspace", "/v1/workspaces/:workspaceId", {
      params: workspaceId,
      success: Workspace,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("workspace.read", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "A workspace")
      .annotate(OpenApi.Description, "Visible to its members; any other id answers 404."),
    HttpApiEndpoint.patch("updateWorkspace", "/v1/workspaces/:workspaceId", {
      params: workspaceId,
      payload: RequestBodies.optional(UpdateWorkspaceRequest),
      success: Workspace,
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("workspace.update", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "Rename a workspace or change its slug")
      .annotate(OpenApi.Description, "Admins and owners. A slug must be unique across Starform (409 when taken)."),
    HttpApiEndpoint.delete("deleteWorkspace", "/v1/workspaces/:workspaceId", {
      success: HttpApiSchema.NoContent.annotate({ description: "The workspace is deleted." }),
      params: workspaceId,
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("workspace.delete", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "Delete a workspace and everything in it (owners only)")
      .annotate(
        OpenApi.Description,
        "Owners only. Refused with 409 while the workspace still has projects: delete them first, which also stops what they run.",
      ),
    HttpApiEndpoint.get("listMembers", "/v1/workspaces/:workspaceId/members", {
      params: workspaceId,
      success: Schema.Array(Member).annotate({ description: "The workspace's members." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("member.read", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "The members of a workspace")
      .annotate(OpenApi.Description, "People in the workspace and their roles."),
    HttpApiEndpoint.patch("updateMember", "/v1/workspaces/:workspaceId/members/:userId", {
      params: { workspaceId: WorkspaceId, userId: UserId },
      payload: UpdateMemberRequest,
      success: Member,
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("member.update", Auth.inWorkspace(), { type: "member", param: "userId" }))
      .annotate(OpenApi.Summary, "Change a member's role")
      .annotate(OpenApi.Description, "Admins and owners; the last owner cannot be demoted (409)."),
    HttpApiEndpoint.delete("removeMember", "/v1/workspaces/:workspaceId/members/:userId", {
      success: HttpApiSchema.NoContent.annotate({ description: "The member is removed." }),
      params: { workspaceId: WorkspaceId, userId: UserId },
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("member.remove", Auth.inWorkspace(), { type: "member", param: "userId" }))
      .annotate(OpenApi.Summary, "Remove a member (never the last owner)")
      .annotate(
        OpenApi.Description,
        "Admins and owners; the last owner cannot be removed (409). The person loses access to the workspace.",
      ),
    HttpApiEndpoint.post("invite", "/v1/workspaces/:workspaceId/invitations", {
      params: workspaceId,
      payload: InviteRequest,
      success: Invitation.pipe(HttpApiSchema.status(201)),
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("member.invite", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "Invite someone by email; the link is in the email only")
      .annotate(
        OpenApi.Description,
        "Emails a single-use link that adds the person with this role when accepted. The token is in the email only.",
      ),
    HttpApiEndpoint.get("listInvitations", "/v1/workspaces/:workspaceId/invitations", {
      params: workspaceId,
      success: Schema.Array(Invitation).annotate({ description: "The workspace's open invitations." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("member.read", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "The open invitations of a workspace")
      .annotate(OpenApi.Description, "Invitations not yet accepted, revoked or expired."),
    HttpApiEndpoint.delete("revokeInvitation", "/v1/invitations/:invitationId", {
      success: HttpApiSchema.NoContent.annotate({ description: "The invitation is revoked." }),
      params: { invitationId: InvitationId },
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("member.invite", Auth.ofIdentityResource("invitation", "invitationId")))
      .annotate(OpenApi.Summary, "Revoke an invitation")
      .annotate(OpenApi.Description, "The emailed link stops working."),
    HttpApiEndpoint.get("listProjectMembers", "/v1/projects/:projectId/members", {
      params: { projectId: ProjectId },
      success: Schema.Array(ProjectMemberInfo).annotate({ description: "The project's members." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("project.read", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "The members of a project")
      .annotate(OpenApi.Description, "People with a role in this project, beside their workspace role."),
    HttpApiEndpoint.put("setProjectMember", "/v1/projects/:projectId/members/:userId", {
      params: { projectId: ProjectId, userId: UserId },
      payload: ProjectMemberRequest,
      success: ProjectMemberInfo,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("member.update", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "Give a workspace member a role in one project")
      .annotate(
        OpenApi.Description,
        "The person must be a member of the workspace. Sets (or replaces) their role in this project.",
      ),
    HttpApiEndpoint.delete("removeProjectMember", "/v1/projects/:projectId/members/:userId", {
      success: HttpApiSchema.NoContent.annotate({ description: "The person's project role is removed." }),
      params: { projectId: ProjectId, userId: UserId },
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("member.update", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "Remove a person from a project")
      .annotate(OpenApi.Description, "Their workspace role still applies."),
  )
  .middleware(Auth.Authorization)
  // Added after `Authorization`, which they do not pass through: they name no tenant (`Auth.tenantless` says why).
  .add(
    HttpApiEndpoint.post("createWorkspace", "/v1/workspaces", {
      payload: CreateWorkspaceRequest,
      success: Workspace.pipe(HttpApiSchema.status(201)),
      error: [ValidationFailed, Forbidden, Conflict],
    })
      .annotateMerge(Auth.tenantless("creates a new tenant"))
      .annotate(OpenApi.Summary, "Create a workspace; its creator is its owner")
      .annotate(
        OpenApi.Description,
        "The caller becomes its owner. The slug is derived from the name when omitted; 409 when it is taken.",
      ),
    HttpApiEndpoint.get("listWorkspaces", "/v1/workspaces", {
      success: Schema.Array(Workspace).annotate({ description: "The caller's workspaces." }),
    })
      .annotateMerge(Auth.tenantless("lists only the caller's own workspaces"))
      .annotate(OpenApi.Summary, "The workspaces the caller belongs to")
      .annotate(
        OpenApi.Description,
        "The workspaces the caller is a member of; an API token sees only its own workspace.",
      ),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Workspaces")
  .annotate(
    OpenApi.Description,
    "Workspaces (the billing boundary), their members and roles (owner, admin, developer, viewer), invitations, and per-project roles.",
  )
