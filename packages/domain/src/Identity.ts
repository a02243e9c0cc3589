import { Schema } from "effect"
import { IpAddress, Timestamp } from "./Columns.ts"
import * as Ids from "./Ids.ts"
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
export class User extends Schema.Class<User>("User")(
  Schema.Struct({
    id: UserId.annotate({ description: "The person's id." }),
    email: Email.pipe(Schema.annotateEncoded({ description: "The person's email address." })),
    name: PersonName.pipe(Schema.annotateEncoded({ description: "The person's name as they gave it." })),
    emailVerifiedAt: Schema.NullOr(Timestamp).annotate({
      description: "When the address was verified; null until it is.",
    }),
    /** Set while two-factor sign-in is on. */
    mfaEnabledAt: Schema.NullOr(Timestamp).annotate({
      description: "When two-factor sign-in was turned on; null while it is off.",
    }),
    status: UserStatus.annotate({ description: "`active`, `disabled` or `deleted`." }),
    deletedAt: Schema.NullOr(Timestamp).annotate({
      description: "When the account was deleted; null while it exists.",
    }),
    createdAt: Timestamp.annotate({ description: "When the account was created." }),
    updatedAt: Timestamp.annotate({ description: "When the account was last changed." }),
  }).annotate({ description: "A person with a Starform account." }),
  { description: "The person." },
) {}

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
export class Workspace extends Schema.Class<Workspace>("Workspace")(
  {
    id: WorkspaceId.annotate({ description: "The workspace's id." }),
    name: WorkspaceName.pipe(Schema.annotateEncoded({ description: "The workspace's display name." })),
    slug: WorkspaceSlug.annotate({ description: "The workspace's slug, unique across Starform." }),
    plan: WorkspacePlan.annotate({ description: "The workspace's plan: `hobby`, `pro`, `team` or `enterprise`." }),
    /** Null once the account that created it is gone: a workspace outlives its creator. */
    createdBy: Schema.NullOr(UserId).annotate({
      description: "The person who created it; null once their account is gone.",
    }),
    deletedAt: Schema.NullOr(Timestamp).annotate({
      description: "When the workspace was deleted; null while it exists.",
    }),
    createdAt: Timestamp.annotate({ description: "When the workspace was created." }),
    updatedAt: Timestamp.annotate({ description: "When the workspace was last changed." }),
  },
  { description: "A workspace: the billing boundary, holding projects and members." },
) {}

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

/** A person's role in one project of their workspace, beside their workspace role (`project_members`). */
export class ProjectMember extends Schema.Class<ProjectMember>("ProjectMember")({
  workspaceId: WorkspaceId,
  projectId: ProjectId,
  userId: UserId,
  role: ProjectRole,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/**
 * Ids of the identity tables added after the first schema (invitations, service accounts, outbox emails): the same
 * shape as `Ids` — a prefix, '_' and 24 characters of 0-9 and a-z, the first 9 the creation time.
 */
const ownId = <const P extends string>(prefix: P, what: string) => {
  const pattern = new RegExp(`^${prefix}_[0-9a-z]{24}$`)
  return Schema.String.check(
    Rules.make(Ids.idRule, `must be ${what} id: ${prefix}_ followed by 24 characters of 0-9 and a-z`, (id) =>
      pattern.test(id),
    ),
  ).annotate({
    description: `The id of ${what}: \`${prefix}_\` and 24 characters of 0-9, a-z.`,
    examples: [`${prefix}_0mh1r2s3t4u5v6w7x8y9z0a1`],
  })
}
// `Ids.makeId` makes the id shape for any prefix; the cast only widens its prefix type to these three.
const makeOwnId = (prefix: string): string => Ids.makeId(prefix as Ids.Prefix)

export const InvitationId = ownId("ivt", "an invitation").pipe(Schema.brand("InvitationId"))
export type InvitationId = typeof InvitationId.Type
export const newInvitationId = (): InvitationId => makeOwnId("ivt") as InvitationId

export const ServiceAccountId = ownId("sac", "a service account").pipe(Schema.brand("ServiceAccountId"))
export type ServiceAccountId = typeof ServiceAccountId.Type
export const newServiceAccountId = (): ServiceAccountId => makeOwnId("sac") as ServiceAccountId

export const EmailId = ownId("eml", "an email").pipe(Schema.brand("EmailId"))
export type EmailId = typeof EmailId.Type
export const newEmailId = (): EmailId => makeOwnId("eml") as EmailId

/** What an API token may do, e.g. `deploy`; the identity service defines the set. */
export const ApiTokenScope = Rules.text(100, 1)

/** The first characters of a token, shown in lists so people can tell tokens apart. */
export const TokenPrefix = Rules.text(16, 4)

/** A token for CI and machines (`api_tokens`); only its hash is kept, and that is not a field. */
export class ApiToken extends Schema.Class<ApiToken>("ApiToken")(
  Schema.Struct({
    id: ApiTokenId.annotate({ description: "The token's id." }),
    workspaceId: WorkspaceId.annotate({ description: "The workspace the token acts in." }),
    /** Null: the token acts across the whole workspace. */
    projectId: Schema.NullOr(ProjectId).annotate({
      description: "The one project the token is limited to; null: the whole workspace.",
    }),
    name: Label.pipe(Schema.annotateEncoded({ description: "The token's label." })),
    tokenPrefix: TokenPrefix.annotate({ description: "The first characters of the secret, to tell tokens apart." }),
    scopes: Schema.Array(ApiTokenScope)
      .check(Schema.isMinLength(1, { message: "must list at least one scope", rule: "min-items" }))
      .annotate({
        description: "Permission presets and single actions the token may do (their union).",
      }),
    /** Null: a person's token; otherwise the service account of the same workspace it belongs to. */
    serviceAccountId: Schema.NullOr(ServiceAccountId).annotate({
      description: "The service account the token belongs to; null: a person's token.",
    }),
    /** Tokens keep working when the person who made them leaves. */
    createdBy: Schema.NullOr(UserId).annotate({
      description: "The person who created it; tokens keep working when that person leaves.",
    }),
    expiresAt: Schema.NullOr(Timestamp).annotate({ description: "When the token stops working; null: never." }),
    lastUsedAt: Schema.NullOr(Timestamp).annotate({ description: "When the token was last used; null: never." }),
    revokedAt: Schema.NullOr(Timestamp).annotate({ description: "When the token was revoked; null while it works." }),
    createdAt: Timestamp.annotate({ description: "When the token was created." }),
    updatedAt: Timestamp.annotate({ description: "When the token was last changed." }),
  }).annotate({ description: "An API token as lists show it; its secret is shown only when it is created." }),
  { description: "An API token (never its secret)." },
) {}

/**
 * Text people type into a form: well-formed Unicode (no unpaired surrogates, which would be stored as U+FFFD), no
 * control characters (NUL cannot even be stored) and no invisible direction overrides or isolates, which make a name
 * display as something it is not. Joiners used by emoji sequences are fine.
 */
const oddCharacter = /[\p{Cc}\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\uFFF9-\uFFFB\uFEFF\uFFFE\uFFFF]/u
export const isPlainText = Rules.make(
  "plain-text",
  "must be plain text: no control characters, direction overrides, byte-order marks or broken surrogate pairs",
  (value) => value.isWellFormed() && !oddCharacter.test(value),
)

/** Plain text as sent, before any trimming: a leading byte-order mark is refused, not quietly trimmed away. */
const plainText = <S extends Schema.Top & { readonly Encoded: string; readonly DecodingServices: never }>(schema: S) =>
  Schema.String.check(isPlainText).pipe(Schema.decodeTo(schema))

/** What people type for their email, name, a workspace's name and labels: plain text, then the name rules. */
export const EmailInput = plainText(Email)
export const PersonNameInput = plainText(PersonName)
export const WorkspaceNameInput = plainText(WorkspaceName)
export const LabelInput = plainText(Label)

/** A password as a person chooses it: 10 to 256 characters; argon2id-hashed, never stored or shown. */
export const Password = Schema.String.check(
  Rules.make(
    "password",
    "must be 10 to 256 characters",
    (value) => {
      const length = Rules.characters(value)
      return length >= 10 && length <= 256
    },
    { minLength: 10, maxLength: 256 },
  ),
)

/** An invitation to join a workspace (`invitations`); its token is only in the email. */
export class Invitation extends Schema.Class<Invitation>("Invitation")(
  {
    id: InvitationId.annotate({ description: "The invitation's id." }),
    workspaceId: WorkspaceId.annotate({ description: "The workspace the person is invited to." }),
    email: Email.pipe(Schema.annotateEncoded({ description: "The address invited." })),
    role: WorkspaceRole.annotate({ description: "The role the person gets on accepting." }),
    invitedBy: Schema.NullOr(UserId).annotate({ description: "Who invited; null once that account is gone." }),
    expiresAt: Timestamp.annotate({ description: "When the invitation stops working." }),
    acceptedAt: Schema.NullOr(Timestamp).annotate({ description: "When it was accepted; null until then." }),
    acceptedBy: Schema.NullOr(UserId).annotate({ description: "The person who accepted it; null until then." }),
    revokedAt: Schema.NullOr(Timestamp).annotate({ description: "When it was revoked; null while it stands." }),
    createdAt: Timestamp.annotate({ description: "When the invitation was sent." }),
    updatedAt: Timestamp.annotate({ description: "When it last changed." }),
  },
  { description: "An invitation to join a workspace; its token is only in the email." },
) {}

/** A non-human member of a workspace that acts through its API tokens (`service_accounts`). */
export class ServiceAccount extends Schema.Class<ServiceAccount>("ServiceAccount")(
  {
    id: ServiceAccountId.annotate({ description: "The service account's id." }),
    workspaceId: WorkspaceId.annotate({ description: "The workspace it belongs to." }),
    name: Label.pipe(Schema.annotateEncoded({ description: "The service account's label." })),
    createdBy: Schema.NullOr(UserId).annotate({
      description: "The person who created it; null once that account is gone.",
    }),
    createdAt: Timestamp.annotate({ description: "When it was created." }),
    updatedAt: Timestamp.annotate({ description: "When it was last changed." }),
  },
  { description: "A non-human member of a workspace that acts through its API tokens." },
) {}

/** An email waiting in, or sent from, the outbox (`email_outbox`). */
export class OutboxEmail extends Schema.Class<OutboxEmail>("OutboxEmail")({
  id: EmailId,
  toAddress: Email,
  template: Schema.String,
  subject: Schema.String,
  body: Schema.String,
  userId: Schema.NullOr(UserId),
  sentAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  /** The one link the email is about (verify, reset, accept), if any. */
  link: Schema.NullOr(Schema.String),
  /** Set on the first try and kept, so a copy sent twice (a crash between the server's 250 and the mark) is recognisable. */
  messageId: Schema.NullOr(Schema.String),
  attempts: Rules.int(0),
  nextAttemptAt: Timestamp,
  /** The sender holding the row, and until when; another sender takes it over after that. */
  claimId: Schema.NullOr(Schema.String),
  claimedUntil: Schema.NullOr(Timestamp),
  lastError: Schema.NullOr(Schema.String),
  /** Given up on (dead-lettered) after the last allowed try, or when too old to be of use. */
  deadAt: Schema.NullOr(Timestamp),
}) {}

export const userTokenPurposes = ["verify_email", "reset_password", "mfa_challenge"] as const
export const UserTokenPurpose = Rules.oneOf(userTokenPurposes)
export type UserTokenPurpose = typeof UserTokenPurpose.Type

/** A single-use token mailed or handed to a person (`user_tokens`); only its hash is kept, and that is not a field. */
export class UserToken extends Schema.Class<UserToken>("UserToken")({
  userId: UserId,
  purpose: UserTokenPurpose,
  expiresAt: Timestamp,
  usedAt: Schema.NullOr(Timestamp),
  attempts: Rules.int(0),
  createdAt: Timestamp,
}) {}

/** A one-time MFA recovery code (`mfa_recovery_codes`); only its hash is kept. */
export class MfaRecoveryCode extends Schema.Class<MfaRecoveryCode>("MfaRecoveryCode")({
  userId: UserId,
  usedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
}) {}

/** Which external OIDC identity is which user (`sso_identities`). */
export class SsoIdentity extends Schema.Class<SsoIdentity>("SsoIdentity")({
  issuer: Schema.String.annotate({ description: "The OIDC issuer." }),
  subject: Schema.String.annotate({ description: "The person's id at the issuer." }),
  userId: UserId.annotate({ description: "The Starform account it signs in to." }),
  email: Schema.NullOr(Schema.String).annotate({ description: "The address the issuer gave; null when it gave none." }),
  createdAt: Timestamp.annotate({ description: "When the identity was first used." }),
}) {}

/** An SSO sign-in between the redirect and the callback (`sso_states`); the state and PKCE verifier are secrets. */
export class SsoState extends Schema.Class<SsoState>("SsoState")({
  provider: Schema.String,
  redirectUri: Schema.String,
  expiresAt: Timestamp,
  usedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
}) {}

/** A rate-limit budget (`rate_limit_budgets`): a token bucket of `capacity`, refilled at `refillPerMinute`. */
export class RateLimitBudget extends Schema.Class<RateLimitBudget>("RateLimitBudget")({
  name: Schema.String,
  capacity: Rules.int(1),
  refillPerMinute: Rules.int(1),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** A device-code sign-in (RFC 8628) waiting for, or past, a person's decision (`device_codes`); both codes are hashes. */
export class DeviceCode extends Schema.Class<DeviceCode>("DeviceCode")({
  status: Rules.oneOf(["pending", "approved", "denied", "spent"]),
  /** Who approved or denied it. */
  userId: Schema.NullOr(UserId),
  clientName: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String),
  ip: Schema.NullOr(IpAddress),
  intervalSeconds: Rules.int(1),
  lastPolledAt: Schema.NullOr(Timestamp),
  expiresAt: Timestamp,
  decidedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
}) {}
