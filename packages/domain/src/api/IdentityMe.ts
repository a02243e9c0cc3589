import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed } from "../ApiErrors.ts"
import { AuditEntry } from "../Audit.ts"
import { Authentication } from "../Auth.ts"
import { IpAddress, Timestamp } from "../Columns.ts"
import {
  ApiToken,
  Invitation,
  Password,
  PersonNameInput,
  SsoIdentity,
  User,
  Workspace,
  WorkspaceRole,
} from "../Identity.ts"
import { SessionId, WorkspaceId } from "../Ids.ts"
import * as Rules from "../Rules.ts"

/** The signed-in person's own account: profile, sessions, MFA, data export and deletion (`/v1/me/*`). */

export const UpdateMeRequest = Schema.Struct({ name: PersonNameInput })

/** A signed-in device. Its id stays the same across refreshes; revoking it signs that device out. */
export class SessionInfo extends Schema.Class<SessionInfo>("SessionInfo")({
  id: SessionId,
  userAgent: Schema.NullOr(Schema.String),
  ip: Schema.NullOr(IpAddress),
  createdAt: Timestamp,
  lastUsedAt: Schema.NullOr(Timestamp),
  expiresAt: Timestamp,
  /** The session this request's access token belongs to. */
  current: Schema.Boolean,
}) {}

/** Shown once: the TOTP secret to put in an authenticator app (or scan as the otpauth URI's QR code). */
export class MfaEnrolment extends Schema.Class<MfaEnrolment>("MfaEnrolment")({
  secret: Schema.String,
  otpauthUri: Schema.String,
}) {}

/** Shown once: one-time codes that stand in for the authenticator when it is lost. */
export class RecoveryCodes extends Schema.Class<RecoveryCodes>("RecoveryCodes")({
  recoveryCodes: Schema.Array(Schema.String),
}) {}

export const MfaCodeRequest = Schema.Struct({
  /** A 6-digit code from the authenticator app. */
  code: Rules.matching("totp-code", /^[0-9]{6}$/, "must be the 6-digit code from the authenticator app"),
})

export const DeleteAccountRequest = Schema.Struct({
  /** The account's password, when it has one (SSO-only accounts omit it). */
  password: Schema.optionalKey(Password),
})

/** A workspace the person belongs to, and their role in it. */
export class Membership extends Schema.Class<Membership>("Membership")({
  workspaceId: WorkspaceId,
  workspaceName: Schema.String,
  role: WorkspaceRole,
  createdAt: Timestamp,
}) {}

/** Everything Starform keeps about a person, as JSON (GDPR export). */
export class AccountExport extends Schema.Class<AccountExport>("AccountExport")({
  exportedAt: Timestamp,
  user: User,
  sessions: Schema.Array(SessionInfo),
  memberships: Schema.Array(Membership),
  workspacesCreated: Schema.Array(Workspace),
  apiTokens: Schema.Array(ApiToken),
  ssoIdentities: Schema.Array(SsoIdentity),
  invitationsSent: Schema.Array(Invitation),
  auditEntries: Schema.Array(AuditEntry),
}) {}

export const AcceptInvitationRequest = Schema.Struct({ token: Rules.text(512, 1) })

export const IdentityMeGroup = HttpApiGroup.make("me")
  .add(
    HttpApiEndpoint.get("getMe", "/v1/me", { success: User, error: Forbidden }).annotate(
      OpenApi.Summary,
      "The signed-in account",
    ),
    HttpApiEndpoint.patch("updateMe", "/v1/me", {
      payload: UpdateMeRequest,
      success: User,
      error: [ValidationFailed, Forbidden],
    }).annotate(OpenApi.Summary, "Change the account's name"),
    HttpApiEndpoint.post("logout", "/v1/auth/logout", { error: Forbidden }).annotate(
      OpenApi.Summary,
      "Sign out this session: its refresh token stops working",
    ),
    HttpApiEndpoint.get("listSessions", "/v1/me/sessions", { success: Schema.Array(SessionInfo) }).annotate(
      OpenApi.Summary,
      "The account's signed-in sessions",
    ),
    HttpApiEndpoint.delete("revokeSession", "/v1/me/sessions/:sessionId", {
      params: { sessionId: SessionId },
      error: NotFound,
    }).annotate(OpenApi.Summary, "Sign out one session"),
    HttpApiEndpoint.post("resendVerification", "/v1/me/email-verification", {
      success: HttpApiSchema.Accepted,
      error: [Conflict, Forbidden],
    }).annotate(OpenApi.Summary, "Email a new verification link"),
    HttpApiEndpoint.post("enrolMfa", "/v1/me/mfa/enrolment", {
      success: MfaEnrolment.pipe(HttpApiSchema.status(201)),
      error: [Conflict, Forbidden],
    }).annotate(OpenApi.Summary, "Start TOTP enrolment: a new secret, active once confirmed"),
    HttpApiEndpoint.post("confirmMfa", "/v1/me/mfa/confirmation", {
      payload: MfaCodeRequest,
      success: RecoveryCodes,
      error: [ValidationFailed, Conflict, Forbidden],
    }).annotate(OpenApi.Summary, "Confirm enrolment with a code: MFA is on; answers the recovery codes once"),
    HttpApiEndpoint.post("regenerateRecoveryCodes", "/v1/me/mfa/recovery-codes", {
      payload: MfaCodeRequest,
      success: RecoveryCodes,
      error: [ValidationFailed, Conflict, Forbidden],
    }).annotate(OpenApi.Summary, "Replace the recovery codes (the old ones stop working)"),
    HttpApiEndpoint.post("disableMfa", "/v1/me/mfa/disable", {
      payload: MfaCodeRequest,
      error: [ValidationFailed, Conflict, Forbidden],
    }).annotate(OpenApi.Summary, "Turn MFA off with a current code"),
    HttpApiEndpoint.get("listMemberships", "/v1/me/memberships", { success: Schema.Array(Membership) }).annotate(
      OpenApi.Summary,
      "The workspaces the account belongs to, with its role in each",
    ),
    HttpApiEndpoint.post("acceptInvitation", "/v1/me/invitations/accept", {
      payload: AcceptInvitationRequest,
      success: Membership,
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    }).annotate(OpenApi.Summary, "Join a workspace with the token from an invitation email"),
    HttpApiEndpoint.get("exportAccount", "/v1/me/export", { success: AccountExport, error: Forbidden }).annotate(
      OpenApi.Summary,
      "Everything Starform keeps about the account, as JSON",
    ),
    HttpApiEndpoint.delete("deleteAccount", "/v1/me", {
      payload: DeleteAccountRequest,
      error: [ValidationFailed, Conflict, Unauthenticated, Forbidden],
    }).annotate(
      OpenApi.Summary,
      "Delete the account: refused while it is the last owner of a workspace with other members",
    ),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Account")
