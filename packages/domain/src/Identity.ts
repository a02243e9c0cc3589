import { Schema } from "effect"
import { IpAddress, Timestamp } from "./Columns.ts"
import { ApiTokenId, ProjectId, SessionId, UserId, WorkspaceId } from "./Ids.ts"
import { Email, Label, PersonName, WorkspaceName, WorkspaceSlug } from "./Names.ts"
import * as Rules from "./Rules.ts"

/**
 * People, their sessions, workspaces, who may do what in them and API tokens (the identity service's tables). These are
 * what the API may show: password hashes, refresh-token hashes and TOTP secrets are columns of the same rows
 * but never fields here.
 */

export const userStatuses = ["active", "disabled", "deleted"] as const
export const UserStatus = Rules.oneOf(userStatuses)
export type UserStatus = typeof UserStatus.Type

/** A person with a Starform account (`users`). */
export class User extends Schema.Class<User>("User")({
  id: UserId,
  email: Email,
  name: PersonName,
  emailVerifiedAt: Schema.NullOr(Timestamp),
  /** Set while two-factor sign-in is on. */
  mfaEnabledAt: Schema.NullOr(Timestamp),
  status: UserStatus,
  deletedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** A signed-in device (`sessions`): rotating its refresh token keeps the `familyId`, so reuse revokes the family. */
export class Session extends Schema.Class<Session>("Session")({
  id: SessionId,
  userId: UserId,
  /** The session that started this chain of rotated refresh tokens. */
  familyId: SessionId,
  userAgent: Schema.NullOr(Schema.String),
  ip: Schema.NullOr(IpAddress),
  lastUsedAt: Schema.NullOr(Timestamp),
  expiresAt: Timestamp,
  revokedAt: Schema.NullOr(Timestamp),
  revokedReason: Schema.NullOr(Schema.String),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const workspacePlans = ["hobby", "pro", "team", "enterprise"] as const
export const WorkspacePlan = Rules.oneOf(workspacePlans)
export type WorkspacePlan = typeof WorkspacePlan.Type

/** The billing boundary and the top of workspace → project → environment → service (`workspaces`). */
export class Workspace extends Schema.Class<Workspace>("Workspace")({
  id: WorkspaceId,
  name: WorkspaceName,
  slug: WorkspaceSlug,
  plan: WorkspacePlan,
  /** Null once the account that created it is gone: a workspace outlives its creator. */
  createdBy: Schema.NullOr(UserId),
  deletedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const workspaceRoles = ["owner", "admin", "developer", "viewer"] as const
export const WorkspaceRole = Rules.oneOf(workspaceRoles)
export type WorkspaceRole = typeof WorkspaceRole.Type

/** A person's role in a workspace (`workspace_members`). */
export class WorkspaceMember extends Schema.Class<WorkspaceMember>("WorkspaceMember")({
  workspaceId: WorkspaceId,
  userId: UserId,
  role: WorkspaceRole,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const projectRoles = ["admin", "developer", "viewer"] as const
export const ProjectRole = Rules.oneOf(projectRoles)
export type ProjectRole = typeof ProjectRole.Type

/** A person's role in one project, beside their workspace role (`project_members`). */
export class ProjectMember extends Schema.Class<ProjectMember>("ProjectMember")({
  projectId: ProjectId,
  userId: UserId,
  role: ProjectRole,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** What an API token may do, e.g. `deploy`; the identity service defines the set. */
export const ApiTokenScope = Rules.text(100, 1)

/** The first characters of a token, shown in lists so people can tell tokens apart. */
export const TokenPrefix = Rules.text(16, 4)

/** A token for CI and machines (`api_tokens`); only its hash is kept, and that is not a field. */
export class ApiToken extends Schema.Class<ApiToken>("ApiToken")({
  id: ApiTokenId,
  workspaceId: WorkspaceId,
  /** Null: the token acts across the whole workspace. */
  projectId: Schema.NullOr(ProjectId),
  name: Label,
  tokenPrefix: TokenPrefix,
  scopes: Schema.NonEmptyArray(ApiTokenScope),
  /** Tokens keep working when the person who made them leaves. */
  createdBy: Schema.NullOr(UserId),
  expiresAt: Schema.NullOr(Timestamp),
  lastUsedAt: Schema.NullOr(Timestamp),
  revokedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}
