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
import * as RequestBodies from "../RequestBodies.ts"
import * as Rules from "../Rules.ts"

/** The signed-in person's own account: profile, sessions, MFA, data export and deletion (`/v1/me/*`). */

export const UpdateMeRequest = Schema.Struct({
  name: PersonNameInput.pipe(Schema.annotateEncoded({ description: "The person's new name." })),
})

/** A signed-in device. Its id stays the same across refreshes; revoking it signs that device out. */
export class SessionInfo extends Schema.Class<SessionInfo>("SessionInfo")(
  {
    id: SessionId.annotate({ description: "The session's id." }),
    userAgent: Schema.NullOr(Schema.String).annotate({
      description: "The device's User-Agent when it signed in; null when unknown.",
    }),
    ip: Schema.NullOr(IpAddress).annotate({ description: "The address it signed in from; null when unknown." }),
    createdAt: Timestamp.annotate({ description: "When the device signed in." }),
    lastUsedAt: Schema.NullOr(Timestamp).annotate({
      description: "When the session was last refreshed; null: not yet.",
    }),
    expiresAt: Timestamp.annotate({ description: "When the session ends unless refreshed." }),
    /** The session this request's access token belongs to. */
    current: Schema.Boolean.annotate({ description: "Whether this request's access token belongs to the session." }),
  },
  { description: "A signed-in device; revoking it signs that device out." },
) {}

/** Shown once: the TOTP secret to put in an authenticator app (or scan as the otpauth URI's QR code). */
export class MfaEnrolment extends Schema.Class<MfaEnrolment>("MfaEnrolment")(
  {
    secret: Schema.String.annotate({ description: "The TOTP secret to enter into an authenticator app. Shown once." }),
    otpauthUri: Schema.String.annotate({
      description: "The same secret as an `otpauth://` URI, to show as a QR code.",
    }),
  },
  { description: "Shown once: the TOTP secret to put in an authenticator app; confirm it with a code to turn MFA on." },
) {}

/** Shown once: one-time codes that stand in for the authenticator when it is lost. */
export class RecoveryCodes extends Schema.Class<RecoveryCodes>("RecoveryCodes")(
  {
    recoveryCodes: Schema.Array(Schema.String).annotate({
      description: "One-time codes that stand in for the authenticator when it is lost. Shown once.",
    }),
  },
  { description: "Shown once: one-time codes that stand in for the authenticator when it is lost." },
) {}

export const MfaCodeRequest = Schema.Struct({
  /** A 6-digit code from the authenticator app. */
  code: Rules.matching("totp-code", /^[0-9]{6}$/, "must be the 6-digit code from the authenticator app").annotate({
    description: "A 6-digit code from the authenticator app.",
    examples: ["123456"],
  }),
})

export const DeleteAccountRequest = Schema.Struct({
  /** The account's password, when it has one (SSO-only accounts omit it). */
  password: Schema.optionalKey(Password).annotate({
    description: "The account's password, when it has one (SSO-only accounts omit it).",
  }),
})

/** A workspace the person belongs to, and their role in it. */
export class Membership extends Schema.Class<Membership>("Membership")(
  {
    workspaceId: WorkspaceId.annotate({ description: "The workspace." }),
    workspaceName: Schema.String.annotate({ description: "The workspace's display name." }),
    role: WorkspaceRole.annotate({ description: "The person's role in it." }),
    createdAt: Timestamp.annotate({ description: "When the person joined." }),
  },
  { description: "A workspace the person belongs to, and their role in it." },
) {}

/** Everything Starform keeps about a person, as JSON (GDPR export). */
export class AccountExport extends Schema.Class<AccountExport>("AccountExport")(
  {
    exportedAt: Timestamp.annotate({ description: "When the export was made." }),
    user: User.annotate({ description: "The account." }),
    sessions: Schema.Array(SessionInfo).annotate({ description: "The signed-in devices." }),
    memberships: Schema.Array(Membership).annotate({ description: "The workspaces the person belongs to." }),
    workspacesCreated: Schema.Array(Workspace).annotate({ description: "The workspaces the person created." }),
    apiTokens: Schema.Array(ApiToken).annotate({ description: "The person's API tokens (never their secrets)." }),
    ssoIdentities: Schema.Array(SsoIdentity).annotate({
      description: "The external identities that sign in to the account.",
    }),
    invitationsSent: Schema.Array(Invitation).annotate({ description: "The invitations the person sent." }),
    auditEntries: Schema.Array(AuditEntry).annotate({
      description: "What the person did, as the audit log recorded it.",
    }),
  },
  { description: "Everything Starform keeps about the person, as JSON (GDPR export)." },
) {}

export const AcceptInvitationRequest = Schema.Struct({
  token: Rules.text(512, 1).annotate({ description: "The token from the emailed invitation link." }),
})

export const IdentityMeGroup = HttpApiGroup.make("me")
  .add(
    HttpApiEndpoint.get("getMe", "/v1/me", { success: User, error: Forbidden })
      .annotate(OpenApi.Summary, "The signed-in account")
      .annotate(OpenApi.Description, "The person signed in, with their verification and two-factor status."),
    HttpApiEndpoint.patch("updateMe", "/v1/me", {
      payload: UpdateMeRequest,
      success: User,
      error: [ValidationFailed, Forbidden],
    })
      .annotate(OpenApi.Summary, "Change the account's name")
      .annotate(OpenApi.Description, "Only the name can change here; the email address is the account's identity."),
    HttpApiEndpoint.post("logout", "/v1/auth/logout", {
      success: HttpApiSchema.NoContent.annotate({ description: "Signed out." }),
      error: Forbidden,
    })
      .annotate(OpenApi.Summary, "Sign out this session: its refresh token stops working")
      .annotate(
        OpenApi.Description,
        "Signs out the session of the access token used: its refresh token stops working at once, and the access token at its expiry. An API or service-account token has no session: 403, and the token stays valid (revoke it with `DELETE /v1/tokens/{tokenId}`).",
      ),
    HttpApiEndpoint.get("listSessions", "/v1/me/sessions", {
      success: Schema.Array(SessionInfo).annotate({ description: "The account's sessions, most recent first." }),
    })
      .annotate(OpenApi.Summary, "The account's signed-in sessions")
      .annotate(OpenApi.Description, "One entry per signed-in device, the current one marked."),
    HttpApiEndpoint.delete("revokeSession", "/v1/me/sessions/:sessionId", {
      success: HttpApiSchema.NoContent.annotate({ description: "The session is signed out." }),
      params: { sessionId: SessionId },
      error: [ValidationFailed, NotFound],
    })
      .annotate(OpenApi.Summary, "Sign out one session")
      .annotate(
        OpenApi.Description,
        "The device signed in with that session is signed out: its refresh token stops working at once.",
      ),
    HttpApiEndpoint.post("resendVerification", "/v1/me/email-verification", {
      success: HttpApiSchema.Accepted.annotate({ description: "Accepted: a new verification link is on its way." }),
      error: [Conflict, Forbidden],
    })
      .annotate(OpenApi.Summary, "Email a new verification link")
      .annotate(OpenApi.Description, "Sends a new link while the address is not yet verified (409 once it is)."),
    HttpApiEndpoint.post("enrolMfa", "/v1/me/mfa/enrolment", {
      success: MfaEnrolment.pipe(HttpApiSchema.status(201)),
      error: [Conflict, Forbidden],
    })
      .annotate(OpenApi.Summary, "Start TOTP enrolment: a new secret, active once confirmed")
      .annotate(
        OpenApi.Description,
        "Answers a new TOTP secret (and its `otpauth://` URI for a QR code). Two-factor sign-in stays off until `POST /v1/me/mfa/confirmation` proves the app has it.",
      ),
    HttpApiEndpoint.post("confirmMfa", "/v1/me/mfa/confirmation", {
      payload: MfaCodeRequest,
      success: RecoveryCodes,
      error: [ValidationFailed, Conflict, Forbidden],
    })
      .annotate(OpenApi.Summary, "Confirm enrolment with a code: MFA is on; answers the recovery codes once")
      .annotate(
        OpenApi.Description,
        "Send a current code from the authenticator app. Two-factor sign-in is on from now; the answer holds the recovery codes, shown this once.",
      ),
    HttpApiEndpoint.post("regenerateRecoveryCodes", "/v1/me/mfa/recovery-codes", {
      payload: MfaCodeRequest,
      success: RecoveryCodes,
      error: [ValidationFailed, Conflict, Forbidden],
    })
      .annotate(OpenApi.Summary, "Replace the recovery codes (the old ones stop working)")
      .annotate(
        OpenApi.Description,
        "Needs a current code from the authenticator app. The new codes are shown this once.",
      ),
    HttpApiEndpoint.post("disableMfa", "/v1/me/mfa/disable", {
      success: HttpApiSchema.NoContent.annotate({ description: "Two-factor sign-in is off." }),
      payload: MfaCodeRequest,
      error: [ValidationFailed, Conflict, Forbidden],
    })
      .annotate(OpenApi.Summary, "Turn MFA off with a current code")
      .annotate(OpenApi.Description, "Needs a current code from the authenticator app."),
    HttpApiEndpoint.get("listMemberships", "/v1/me/memberships", {
      success: Schema.Array(Membership).annotate({ description: "The person's workspaces and roles." }),
    })
      .annotate(OpenApi.Summary, "The workspaces the account belongs to, with its role in each")
      .annotate(OpenApi.Description, "Every workspace the person belongs to, with their role."),
    HttpApiEndpoint.post("acceptInvitation", "/v1/me/invitations/accept", {
      payload: AcceptInvitationRequest,
      success: Membership,
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    })
      .annotate(OpenApi.Summary, "Join a workspace with the token from an invitation email")
      .annotate(
        OpenApi.Description,
        "The token comes from the invitation email and works once; the invitation must be for this account's email address.",
      ),
    HttpApiEndpoint.get("exportAccount", "/v1/me/export", { success: AccountExport, error: Forbidden })
      .annotate(OpenApi.Summary, "Everything Starform keeps about the account, as JSON")
      .annotate(
        OpenApi.Description,
        "The account, its sessions, memberships, the workspaces it created, its API tokens (never secrets), SSO identities, invitations sent and audit entries, as one JSON document (GDPR).",
      ),
    HttpApiEndpoint.delete("deleteAccount", "/v1/me", {
      success: HttpApiSchema.NoContent.annotate({ description: "The account is deleted." }),
      payload: RequestBodies.optional(DeleteAccountRequest),
      error: [ValidationFailed, Conflict, Unauthenticated, Forbidden],
    })
      .annotate(
        OpenApi.Summary,
        "Delete the account: refused while it is the last owner of a workspace with other members",
      )
      .annotate(
        OpenApi.Description,
        "Deletes the account; audit entries keep only a pseudonym of it (GDPR). Refused with 409 while the person is the last owner of a workspace that has other members: hand over ownership first. Accounts with a password must send it.",
      ),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Account")
  .annotate(
    OpenApi.Description,
    "The signed-in person's own account (`/v1/me`): profile, sessions, two-factor sign-in, invitations, data export and deletion.",
  )
