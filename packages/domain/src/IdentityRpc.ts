import { Schema } from "effect"
import { Rpc, RpcGroup, RpcSerialization } from "effect/rpc"
import { Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed } from "./ApiErrors.ts"
import { AuditActorType, AuditOutcome } from "./Audit.ts"
import { Action, Actor } from "./Auth.ts"
import * as Device from "./api/DeviceAuth.ts"
import * as Auth from "./api/IdentityAuth.ts"
import * as Me from "./api/IdentityMe.ts"
import * as Workspaces from "./api/Workspaces.ts"
import * as Access from "./api/WorkspacesAccess.ts"
import { ApiToken, Invitation, InvitationId, ServiceAccount, ServiceAccountId, User, Workspace } from "./Identity.ts"
import { ApiTokenId, ProjectId, SessionId, UserId, WorkspaceId } from "./Ids.ts"
import { Email } from "./Names.ts"

/**
 * The identity service's RPC contract, served over HTTP by `services/identity` and called by the gateway. The
 * gateway authenticates and authorizes; operations on a workspace trust the `actor` they are handed and check only
 * what the policy cannot see from an action alone (e.g. who may grant `owner`).
 */

/** Where a request came from, recorded on sessions and audit entries. */
export class ClientInfo extends Schema.Class<ClientInfo>("ClientInfo")({
  ip: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String),
}) {}

/** A public key of the access-token signer, as a JWK (`kid`, `kty`, `crv`, `x`, `alg`, …). */
export const PublicJwk = Schema.Record(Schema.String, Schema.String)

export class AccessTokenKeys extends Schema.Class<AccessTokenKeys>("AccessTokenKeys")({
  issuer: Schema.String,
  audience: Schema.String,
  keys: Schema.Array(PublicJwk),
}) {}

/**
 * The authorization decision for one actor, action and target. `unverified`: the role allows it, but deploying needs
 * a verified email address (the person's own; for a token, its creator's).
 */
export const Decision = Schema.Literals(["allowed", "forbidden", "not_found", "unauthenticated", "unverified"])
export type Decision = typeof Decision.Type

/** The tenant a resource addressed by its own id belongs to. */
export class Location extends Schema.Class<Location>("Location")({
  workspaceId: WorkspaceId,
  projectId: Schema.NullOr(ProjectId),
}) {}

/** Identity's own resources; which workspace a project is in is the projects service's `Locate`. */
export const Locatable = Schema.Literals(["invitation", "api_token", "service_account"])
export type Locatable = typeof Locatable.Type

/** One audited request, as the gateway saw it. */
export class AuditRecord extends Schema.Class<AuditRecord>("AuditRecord")({
  workspaceId: Schema.NullOr(WorkspaceId),
  actorType: AuditActorType,
  actorId: Schema.NullOr(Schema.String),
  action: Schema.String,
  targetType: Schema.NullOr(Schema.String),
  targetId: Schema.NullOr(Schema.String),
  ip: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String),
  outcome: AuditOutcome,
  metadata: Schema.Record(Schema.String, Schema.Unknown),
}) {}

export class RateLimitBudget extends Schema.Class<RateLimitBudget>("RateLimitBudgetPolicy")({
  name: Schema.String,
  capacity: Schema.Int,
  refillPerMinute: Schema.Int,
}) {}

const actor = { actor: Actor }
const inWorkspace = { actor: Actor, workspaceId: WorkspaceId }

export class IdentityRpcs extends RpcGroup.make(
  // accounts and sessions
  Rpc.make("Signup", {
    payload: { request: Auth.SignupRequest, client: ClientInfo },
    success: Auth.SignedIn,
    error: Schema.Union([ValidationFailed, Conflict]),
  }),
  Rpc.make("Login", {
    payload: { email: Schema.String, password: Schema.String, client: ClientInfo },
    success: Schema.Union([Auth.SignedIn, Auth.MfaRequired]),
    error: Unauthenticated,
  }),
  Rpc.make("CompleteMfa", {
    payload: { challengeToken: Schema.String, code: Schema.String, client: ClientInfo },
    success: Auth.SignedIn,
    error: Unauthenticated,
  }),
  Rpc.make("Refresh", {
    payload: { refreshToken: Schema.String, client: ClientInfo },
    success: Auth.TokenPair,
    error: Unauthenticated,
  }),
  Rpc.make("VerifyEmail", { payload: { token: Schema.String }, error: ValidationFailed }),
  Rpc.make("RequestPasswordReset", { payload: { email: Email } }),
  Rpc.make("ResetPassword", {
    payload: { token: Schema.String, password: Schema.String },
    error: ValidationFailed,
  }),
  Rpc.make("SsoStart", {
    payload: { provider: Schema.String },
    success: Auth.SsoAuthorization,
    error: ValidationFailed,
  }),
  Rpc.make("SsoCallback", {
    payload: { provider: Schema.String, code: Schema.String, state: Schema.String, client: ClientInfo },
    success: Auth.SignedIn,
    error: Schema.Union([Unauthenticated, ValidationFailed]),
  }),
  // authentication and authorization, for the gateway
  Rpc.make("AccessTokenKeys", { success: AccessTokenKeys }),
  Rpc.make("SessionIsLive", { payload: { userId: UserId, sessionId: SessionId }, success: Schema.Boolean }),
  Rpc.make("AuthenticateToken", { payload: { secret: Schema.String }, success: Actor, error: Unauthenticated }),
  Rpc.make("Authorize", {
    payload: { actor: Actor, action: Action, workspaceId: WorkspaceId, projectId: Schema.NullOr(ProjectId) },
    success: Decision,
  }),
  Rpc.make("Locate", { payload: { kind: Locatable, id: Schema.String }, success: Location, error: NotFound }),
  Rpc.make("RateLimitBudgets", { success: Schema.Array(RateLimitBudget) }),
  Rpc.make("RecordAudit", { payload: { record: AuditRecord } }),
  // the signed-in person
  Rpc.make("GetMe", { payload: actor, success: User, error: Schema.Union([Unauthenticated, Forbidden]) }),
  Rpc.make("UpdateMe", {
    payload: { ...actor, request: Me.UpdateMeRequest },
    success: User,
    error: Schema.Union([Unauthenticated, Forbidden]),
  }),
  Rpc.make("Logout", { payload: actor, error: Forbidden }),
  Rpc.make("ListSessions", { payload: actor, success: Schema.Array(Me.SessionInfo) }),
  Rpc.make("RevokeSession", { payload: { ...actor, sessionId: SessionId }, error: NotFound }),
  Rpc.make("ResendVerification", { payload: actor, error: Schema.Union([Conflict, Forbidden]) }),
  Rpc.make("EnrolMfa", { payload: actor, success: Me.MfaEnrolment, error: Schema.Union([Conflict, Forbidden]) }),
  Rpc.make("ConfirmMfa", {
    payload: { ...actor, code: Schema.String },
    success: Me.RecoveryCodes,
    error: Schema.Union([ValidationFailed, Conflict, Forbidden]),
  }),
  Rpc.make("RegenerateRecoveryCodes", {
    payload: { ...actor, code: Schema.String },
    success: Me.RecoveryCodes,
    error: Schema.Union([ValidationFailed, Conflict, Forbidden]),
  }),
  Rpc.make("DisableMfa", {
    payload: { ...actor, code: Schema.String },
    error: Schema.Union([ValidationFailed, Conflict, Forbidden]),
  }),
  Rpc.make("ListMemberships", { payload: actor, success: Schema.Array(Me.Membership) }),
  Rpc.make("AcceptInvitation", {
    payload: { ...actor, token: Schema.String },
    success: Me.Membership,
    error: Schema.Union([Forbidden, NotFound, Conflict]),
  }),
  Rpc.make("ExportAccount", {
    payload: actor,
    success: Me.AccountExport,
    error: Schema.Union([Unauthenticated, Forbidden]),
  }),
  Rpc.make("DeleteAccount", {
    payload: {
      ...actor,
      password: Schema.NullOr(Schema.String),
      /**
       * How many projects each workspace the person owns still has, as the projects service counted them: a
       * workspace the deletion would take with it (they are its only member) is refused while it has any.
       */
      projectCounts: Schema.Record(Schema.String, Schema.Int),
    },
    /** What stands for the person in the audit log from now on. */
    success: Schema.Struct({ pseudonym: Schema.String }),
    error: Schema.Union([Unauthenticated, Conflict, ValidationFailed, Forbidden]),
  }),
  // workspaces and members
  Rpc.make("CreateWorkspace", {
    payload: { ...actor, request: Workspaces.CreateWorkspaceRequest },
    success: Workspace,
    error: Schema.Union([Conflict, Forbidden]),
  }),
  Rpc.make("ListWorkspaces", { payload: actor, success: Schema.Array(Workspace) }),
  Rpc.make("GetWorkspace", { payload: { workspaceId: WorkspaceId }, success: Workspace, error: NotFound }),
  Rpc.make("UpdateWorkspace", {
    payload: { ...inWorkspace, request: Workspaces.UpdateWorkspaceRequest },
    success: Workspace,
    error: Schema.Union([NotFound, Conflict]),
  }),
  Rpc.make("DeleteWorkspace", { payload: inWorkspace, error: Schema.Union([NotFound, Conflict]) }),
  Rpc.make("ListMembers", { payload: { workspaceId: WorkspaceId }, success: Schema.Array(Workspaces.Member) }),
  Rpc.make("UpdateMember", {
    payload: { ...inWorkspace, userId: UserId, request: Workspaces.UpdateMemberRequest },
    success: Workspaces.Member,
    error: Schema.Union([NotFound, Forbidden, Conflict]),
  }),
  Rpc.make("RemoveMember", {
    payload: { ...inWorkspace, userId: UserId },
    error: Schema.Union([NotFound, Forbidden, Conflict]),
  }),
  Rpc.make("Invite", {
    payload: { ...inWorkspace, request: Workspaces.InviteRequest },
    success: Invitation,
    error: Schema.Union([Forbidden, Conflict]),
  }),
  Rpc.make("ListInvitations", { payload: { workspaceId: WorkspaceId }, success: Schema.Array(Invitation) }),
  Rpc.make("RevokeInvitation", { payload: { ...actor, invitationId: InvitationId }, error: NotFound }),
  Rpc.make("ListProjectMembers", {
    payload: { projectId: ProjectId },
    success: Schema.Array(Workspaces.ProjectMemberInfo),
  }),
  Rpc.make("SetProjectMember", {
    /** `workspaceId` is the project's, as the projects service located it. */
    payload: { ...inWorkspace, projectId: ProjectId, userId: UserId, request: Workspaces.ProjectMemberRequest },
    success: Workspaces.ProjectMemberInfo,
    error: NotFound,
  }),
  Rpc.make("RemoveProjectMember", {
    payload: { ...actor, projectId: ProjectId, userId: UserId },
    error: NotFound,
  }),
  // API tokens, service accounts and the audit log
  Rpc.make("CreateToken", {
    payload: {
      ...inWorkspace,
      serviceAccountId: Schema.NullOr(ServiceAccountId),
      request: Access.CreateTokenRequest,
    },
    success: Access.CreatedToken,
    error: Schema.Union([Forbidden, NotFound, ValidationFailed]),
  }),
  Rpc.make("ListTokens", { payload: { workspaceId: WorkspaceId }, success: Schema.Array(ApiToken) }),
  Rpc.make("RevokeToken", { payload: { ...actor, tokenId: ApiTokenId }, error: Schema.Union([Forbidden, NotFound]) }),
  Rpc.make("CreateServiceAccount", {
    payload: { ...inWorkspace, request: Access.CreateServiceAccountRequest },
    success: ServiceAccount,
    error: Conflict,
  }),
  Rpc.make("ListServiceAccounts", { payload: { workspaceId: WorkspaceId }, success: Schema.Array(ServiceAccount) }),
  Rpc.make("DeleteServiceAccount", { payload: { ...actor, serviceAccountId: ServiceAccountId }, error: NotFound }),
  Rpc.make("ListAuditLog", {
    payload: { workspaceId: WorkspaceId, query: Access.AuditQuery },
    success: Access.AuditPage,
    error: ValidationFailed,
  }),
  // device-code sign-in (RFC 8628)
  Rpc.make("StartDeviceAuthorization", {
    payload: { clientName: Schema.NullOr(Schema.String), client: ClientInfo },
    success: Device.DeviceAuthorization,
  }),
  Rpc.make("PollDeviceToken", {
    payload: { deviceCode: Schema.String, client: ClientInfo },
    success: Auth.TokenPair,
    error: Device.DeviceTokenError,
  }),
  Rpc.make("DescribeDevice", {
    payload: { ...actor, userCode: Schema.String },
    success: Device.PendingDevice,
    error: Schema.Union([NotFound, Unauthenticated, Forbidden]),
  }),
  Rpc.make("DecideDevice", {
    payload: { ...actor, userCode: Schema.String, approve: Schema.Boolean },
    success: Device.DeviceDecision,
    error: Schema.Union([NotFound, Unauthenticated, Forbidden]),
  }),
) {}

/** Their wire format, for the service and every client: JSON, one body per HTTP request (see `ProjectsRpc`). */
export const serialization = RpcSerialization.layerJson
