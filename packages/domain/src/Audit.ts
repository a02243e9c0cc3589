import { Schema } from "effect"
import { IpAddress, JsonObject, Timestamp } from "./Columns.ts"
import { AuditEntryId, WorkspaceId } from "./Ids.ts"
import * as Rules from "./Rules.ts"

/**
 * The audit log of who did what (`audit_log`). It is append-only: the one change the database allows is GDPR
 * erasure, which replaces `actorId` with a pseudonym and clears `ip` and `userAgent`.
 */

export const auditActorTypes = ["user", "api_token", "service_account", "system"] as const
export const AuditActorType = Rules.oneOf(auditActorTypes)
export type AuditActorType = typeof AuditActorType.Type

export const auditOutcomes = ["success", "denied", "failed"] as const
export const AuditOutcome = Rules.oneOf(auditOutcomes)
export type AuditOutcome = typeof AuditOutcome.Type

/** What was done, as dotted lower-case words, e.g. `service.create`, `deployment.rollback`. */
export const AuditAction = Schema.String.check(
  Rules.make(
    "audit-action",
    "must be an action like service.create: lower-case words of a-z, 0-9 and '_' separated by '.', at most 100 characters",
    (action) => action.length <= 100 && /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/.test(action),
    { pattern: "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$", maxLength: 100 },
  ),
)

/** An erased actor's stand-in, the only value `actorId` may be changed to. */
export const pseudonymPattern = /^pseudonym_[0-9a-z]+$/

/** One audited action. No references: entries outlive the workspace, actor and target they describe. */
export class AuditEntry extends Schema.Class<AuditEntry>("AuditEntry")({
  id: AuditEntryId.annotate({ description: "The entry's id." }),
  occurredAt: Timestamp.annotate({ description: "When the action happened." }),
  workspaceId: Schema.NullOr(WorkspaceId).annotate({
    description: "The workspace it happened in; null for account-level actions.",
  }),
  actorType: AuditActorType.annotate({ description: "Who acted: `user`, `api_token`, `service_account` or `system`." }),
  /** A user, token or service account id; a pseudonym once the actor has been erased; null for the system. */
  actorId: Schema.NullOr(Schema.String).annotate({
    description:
      "A user, token or service account id; a pseudonym once the actor has been erased; null for the system.",
  }),
  action: AuditAction.annotate({ description: "What was done, e.g. `service.create`." }),
  targetType: Schema.NullOr(Schema.String).annotate({
    description: "The kind of thing acted on, e.g. `service`; null when none.",
  }),
  targetId: Schema.NullOr(Schema.String).annotate({ description: "The id of the thing acted on; null when none." }),
  ip: Schema.NullOr(IpAddress).annotate({ description: "The client's address; null when unknown or erased." }),
  userAgent: Schema.NullOr(Schema.String).annotate({
    description: "The client's User-Agent; null when unknown or erased.",
  }),
  outcome: AuditOutcome.annotate({ description: "`success`, `denied` or `failed`." }),
  metadata: JsonObject.annotate({ description: "Details of the action (never secrets)." }),
  createdAt: Timestamp.annotate({ description: "When the entry was written." }),
}) {}
