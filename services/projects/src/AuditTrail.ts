import { IdentityRpc, type Ids, type ProjectsRpc } from "@starform/domain"
import { Context, Effect, Layer } from "effect"
import { AuditNotRecorded } from "./Errors.ts"
import { IdentityClient } from "./IdentityClient.ts"

/**
 * Entries the projects service adds to the audit log, which identity owns (so they go through its `RecordAudit`):
 * revealing a secret value (recorded before the value is opened, so a reveal is never unrecorded) and pruning
 * deployment history (what was removed).
 */

export interface Entry {
  readonly workspaceId: Ids.WorkspaceId
  /** Null: Starform itself (e.g. retention). */
  readonly actor: ProjectsRpc.ActingUser | null
  readonly action: string
  readonly targetType: string
  readonly targetId: string
  readonly metadata: Record<string, unknown>
}

export class AuditTrail extends Context.Service<
  AuditTrail,
  {
    /** Fails with `AuditNotRecorded` when identity did not take the entry (down, or it refused it). */
    readonly record: (entry: Entry) => Effect.Effect<void, AuditNotRecorded>
  }
>()("starform/projects/AuditTrail") {
  static readonly layer = Layer.effect(
    AuditTrail,
    Effect.gen(function* () {
      const identity = yield* IdentityClient
      return AuditTrail.of({
        record: Effect.fn("AuditTrail.record")(function* (entry) {
          yield* identity
            .RecordAudit({
              record: new IdentityRpc.AuditRecord({
                workspaceId: entry.workspaceId,
                actorType: entry.actor?.type ?? "system",
                actorId: entry.actor?.id ?? null,
                action: entry.action,
                targetType: entry.targetType,
                targetId: entry.targetId,
                ip: entry.actor?.ip ?? null,
                userAgent: entry.actor?.userAgent ?? null,
                outcome: "success",
                metadata: entry.metadata,
              }),
            })
            .pipe(
              Effect.catchCause((cause) =>
                Effect.logWarning(`audit: identity did not record ${entry.action}`, cause).pipe(
                  Effect.andThen(
                    Effect.fail(new AuditNotRecorded({ action: entry.action, reason: "the identity service failed" })),
                  ),
                ),
              ),
            )
        }),
      })
    }),
  )
}
