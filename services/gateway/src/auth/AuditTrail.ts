import type { Auth } from "@starform/domain"
import { Context, Effect, Option } from "effect"

/**
 * What one request did, filled in as it is handled: the actor (by `Authentication`), the action and its target (by
 * the first `Authorizer` check, or by a handler that knows better). The audit middleware records it once the
 * response is known.
 */
export interface Trail {
  actor: Auth.Actor | undefined
  action: string | undefined
  workspaceId: string | null
  targetType: string | null
  targetId: string | null
  /** Set when the actor's id must not be recorded (their account was just erased). */
  actorIdOverride: string | undefined
}

export class AuditTrail extends Context.Service<AuditTrail, Trail>()("starform/gateway/AuditTrail") {
  static readonly empty = (): Trail => ({
    actor: undefined,
    action: undefined,
    workspaceId: null,
    targetType: null,
    targetId: null,
    actorIdOverride: undefined,
  })
}

/** Adds to the current request's trail (nothing outside a request). */
export const note = (patch: Partial<Trail>): Effect.Effect<void> =>
  Effect.map(
    Effect.serviceOption(AuditTrail),
    Option.map((trail) => Object.assign(trail, patch)),
  )

/** Names the action and target unless an earlier check already did: the first check is the request's purpose. */
export const noteFirst = (
  patch: Pick<Trail, "action" | "workspaceId" | "targetType" | "targetId">,
): Effect.Effect<void> =>
  Effect.map(Effect.serviceOption(AuditTrail), (trail) => {
    if (Option.isSome(trail) && trail.value.action === undefined) Object.assign(trail.value, patch)
  })
