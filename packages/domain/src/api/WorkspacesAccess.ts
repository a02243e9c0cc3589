import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import { AuditAction, AuditEntry, AuditOutcome } from "../Audit.ts"
import * as Auth from "../Auth.ts"
import { Authentication, TokenScope } from "../Auth.ts"
import { ApiToken, isPlainText, LabelInput, ServiceAccount, ServiceAccountId } from "../Identity.ts"
import { ApiTokenId, ProjectId, WorkspaceId } from "../Ids.ts"
import * as Rules from "../Rules.ts"

/** API tokens, service accounts and the audit log of a workspace. */

export const CreateTokenRequest = Schema.Struct({
  name: LabelInput.pipe(Schema.annotateEncoded({ description: "A label for the token, to tell it apart." })),
  /** Permission presets (`read_only`, `deploy`) and single actions; the token may do their union, nothing else. */
  scopes: Schema.Array(TokenScope)
    .check(Schema.isMinLength(1, { message: "must list at least one scope", rule: "min-items" }))
    .annotate({
      description:
        "Permission presets (`read_only`, `deploy`) and single actions; the token may do their union, nothing else.",
      examples: [["deploy"]],
    }),
  /** Limit the token to one project of the workspace. */
  projectId: Schema.optionalKey(Schema.NullOr(ProjectId)).annotate({
    description: "Limit the token to one project of the workspace; null or absent: the whole workspace.",
  }),
  /** Days until the token stops working (1 to 365); omitted: it does not expire. */
  expiresInDays: Schema.optionalKey(Rules.int(1, 365)).annotate({
    description: "Days until the token stops working (1 to 365); absent: it does not expire.",
  }),
})
export type CreateTokenRequest = typeof CreateTokenRequest.Type

/** Shown once: `secret` is the Bearer token itself; Starform keeps only its hash. */
export class CreatedToken extends Schema.Class<CreatedToken>("CreatedToken")(
  {
    token: ApiToken.annotate({ description: "The token as lists show it." }),
    secret: Schema.String.annotate({
      description: "The Bearer token itself, shown this once; Starform keeps only its hash.",
    }),
  },
  { description: "The new token. `secret` is shown this once: store it now." },
) {}

export const CreateServiceAccountRequest = Schema.Struct({
  name: LabelInput.pipe(Schema.annotateEncoded({ description: "A label for the service account." })),
})

export const AuditQuery = Schema.Struct({
  action: Schema.optionalKey(AuditAction).annotate({
    description: "Only entries of this action, e.g. `deployment.create`.",
  }),
  actorId: Schema.optionalKey(Rules.text(64, 1).check(isPlainText)).annotate({
    description: "Only entries by this user, token or service account.",
  }),
  targetType: Schema.optionalKey(Rules.text(64, 1).check(isPlainText)).annotate({
    description: "Only entries about this kind of thing, e.g. `service`.",
  }),
  targetId: Schema.optionalKey(Rules.text(64, 1).check(isPlainText)).annotate({
    description: "Only entries about this id.",
  }),
  outcome: Schema.optionalKey(AuditOutcome).annotate({
    description: "Only entries with this outcome: `success`, `denied` or `failed`.",
  }),
  /** ISO 8601 times bounding `occurredAt`. */
  since: Schema.optionalKey(
    Schema.DateTimeUtcFromString.pipe(
      Schema.annotateEncoded({ description: "Only entries at or after this ISO 8601 instant.", format: "date-time" }),
    ),
  ),
  until: Schema.optionalKey(
    Schema.DateTimeUtcFromString.pipe(
      Schema.annotateEncoded({ description: "Only entries before this ISO 8601 instant.", format: "date-time" }),
    ),
  ),
  /** From the previous page's `nextCursor`. */
  cursor: Schema.optionalKey(Rules.text(128, 1)).annotate({
    description: "The previous page's `nextCursor`, for the next page.",
  }),
  limit: Schema.optionalKey(Schema.NumberFromString.pipe(Schema.decodeTo(Rules.int(1, 200)))).annotate({
    description: "At most this many entries (1 to 200; default 50).",
  }),
})
export type AuditQuery = typeof AuditQuery.Type

/** Newest first; pass `nextCursor` back as `cursor` for the next page (null: this was the last). */
export class AuditPage extends Schema.Class<AuditPage>("AuditPage")(
  {
    entries: Schema.Array(AuditEntry).annotate({ description: "The entries, newest first." }),
    nextCursor: Schema.NullOr(Schema.String).annotate({
      description: "Pass as `cursor` for the next page; null: this was the last page.",
    }),
  },
  { description: "A page of the audit log, newest first; `nextCursor` fetches the next." },
) {}

const workspaceId = { workspaceId: WorkspaceId }

export const WorkspacesAccessGroup = HttpApiGroup.make("access")
  .add(
    HttpApiEndpoint.post("createToken", "/v1/workspaces/:workspaceId/tokens", {
      params: workspaceId,
      payload: CreateTokenRequest,
      success: CreatedToken.pipe(HttpApiSchema.status(201)),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("token.create", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "Create a personal API token; the secret is shown once")
      .annotate(
        OpenApi.Description,
        "The token acts for the caller, within this workspace (or one project of it), with the union of its scopes. `secret` is shown this once; Starform keeps only its hash.",
      ),
    HttpApiEndpoint.get("listTokens", "/v1/workspaces/:workspaceId/tokens", {
      params: workspaceId,
      success: Schema.Array(ApiToken).annotate({ description: "The workspace's API tokens." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("token.read", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "The API tokens of a workspace")
      .annotate(OpenApi.Description, "Tokens with their prefix, scopes and last use; never their secrets."),
    HttpApiEndpoint.delete("revokeToken", "/v1/tokens/:tokenId", {
      success: HttpApiSchema.NoContent.annotate({ description: "The token is revoked." }),
      params: { tokenId: ApiTokenId },
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("token.revoke", Auth.ofIdentityResource("api_token", "tokenId")))
      .annotate(OpenApi.Summary, "Revoke an API token: it stops working at once")
      .annotate(OpenApi.Description, "Requests made with it answer 401 from now on."),
    HttpApiEndpoint.post("createServiceAccount", "/v1/workspaces/:workspaceId/service-accounts", {
      params: workspaceId,
      payload: CreateServiceAccountRequest,
      success: ServiceAccount.pipe(HttpApiSchema.status(201)),
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("service_account.create", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "Create a service account")
      .annotate(
        OpenApi.Description,
        "A non-human member for CI and machines; it acts through tokens created with `POST /v1/service-accounts/{serviceAccountId}/tokens`.",
      ),
    HttpApiEndpoint.get("listServiceAccounts", "/v1/workspaces/:workspaceId/service-accounts", {
      params: workspaceId,
      success: Schema.Array(ServiceAccount).annotate({ description: "The workspace's service accounts." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("service_account.read", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "The service accounts of a workspace")
      .annotate(OpenApi.Description, "Non-human members and who created them."),
    HttpApiEndpoint.delete("deleteServiceAccount", "/v1/service-accounts/:serviceAccountId", {
      success: HttpApiSchema.NoContent.annotate({ description: "The service account and its tokens are deleted." }),
      params: { serviceAccountId: ServiceAccountId },
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(
        Auth.requires("service_account.delete", Auth.ofIdentityResource("service_account", "serviceAccountId")),
      )
      .annotate(OpenApi.Summary, "Delete a service account and its tokens")
      .annotate(OpenApi.Description, "Its tokens stop working at once."),
    HttpApiEndpoint.post("createServiceAccountToken", "/v1/service-accounts/:serviceAccountId/tokens", {
      params: { serviceAccountId: ServiceAccountId },
      payload: CreateTokenRequest,
      success: CreatedToken.pipe(HttpApiSchema.status(201)),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(
        Auth.requires("service_account.create", Auth.ofIdentityResource("service_account", "serviceAccountId")),
      )
      .annotate(OpenApi.Summary, "Create a token for a service account; the secret is shown once")
      .annotate(
        OpenApi.Description,
        "Like a personal token, but acting as the service account: it keeps working when people leave. `secret` is shown this once.",
      ),
    HttpApiEndpoint.get("listAuditLog", "/v1/workspaces/:workspaceId/audit-log", {
      params: workspaceId,
      query: AuditQuery,
      success: AuditPage,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("audit.read", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "Page and filter the workspace's audit log (admins and owners)")
      .annotate(
        OpenApi.Description,
        "Newest first. Filter by action, actor, target, outcome and time; pass `nextCursor` back as `cursor` for the next page (see Pagination on the reference page).",
      ),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Tokens, service accounts and audit log")
  .annotate(
    OpenApi.Description,
    "API tokens for CI and machines (scoped to a workspace or one project, with permission presets), service accounts, and the workspace's audit log of who did what.",
  )
