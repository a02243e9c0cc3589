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
  id: AuditEntryId,
  occurredAt: Timestamp,
  workspaceId: Schema.NullOr(WorkspaceId),
  actorType: AuditActorType,
  /** A user, token or service account id; a pseudonym once the actor has been erased; null for the system. */
  actorId: Schema.NullOr(Schema.String),
  action: AuditAction,
  targetType: Schema.NullOr(Schema.String),
  targetId: Schema.NullOr(Schema.String),
  ip: Schema.NullOr(IpAddress),
  userAgent: Schema.NullOr(Schema.String),
  outcome: AuditOutcome,
  metadata: JsonObject,
  createdAt: Timestamp,
}) {}
