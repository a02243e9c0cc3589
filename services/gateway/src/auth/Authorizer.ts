import { ApiErrors, Auth } from "@starform/domain"
import { Effect, Layer } from "effect"
import { call, IdentityClient } from "../identity/IdentityClient.ts"
import { limit } from "../identity/Requests.ts"
import type { Budgets } from "../ratelimit/Budgets.ts"
import type { RateLimiter } from "../ratelimit/RateLimiter.ts"
import * as AuditTrail from "./AuditTrail.ts"
import { AuthCache } from "./AuthCache.ts"

/**
 * `Auth.Authorizer` for the gateway: identity's policy decides (over RPC), the answer is remembered for a few seconds,
 * and the decision becomes the error a user sees. The first check of a request also names its action and target in
 * the audit trail.
 */

const isRead = (action: Auth.Action) => action.endsWith(".read")

/** Actions that start a rollout draw on the stricter `deploy` budget as well as the per-request one. */
const deploys: ReadonlySet<Auth.Action> = new Set(["deployment.create", "deployment.rollback"])

/** Why a deploy was refused for want of a verified address, and how to get one. */
const unverified = (actor: Auth.Actor) =>
  actor.kind === "user"
    ? "Deploying needs a verified email address. Open the link in the verification email we sent you, or ask for a new one with POST /v1/me/email-verification."
    : "Deploying with this token needs its creator's email address to be verified. They can open the link in the email we sent them, or ask for a new one with POST /v1/me/email-verification while signed in."

export const layer = Layer.effect(
  Auth.Authorizer,
  Effect.gen(function* () {
    const identity = yield* IdentityClient
    const cache = yield* AuthCache
    const limits = yield* Effect.context<Budgets | RateLimiter>()

    const decide = (actor: Auth.Actor, action: Auth.Action, workspaceId: string, projectId: string | null) => {
      const ask = call(
        identity.Authorize({ actor, action, workspaceId: workspaceId as never, projectId: projectId as never }),
      )
      // Deploys are few (they have a budget of their own) and their answer changes when an address is verified:
      // asked every time, so a person who has just verified can deploy at once.
      return deploys.has(action)
        ? ask
        : cache.decisions.getOrLoad(
            `${actor.kind}|${actor.id}|${actor.sessionId ?? actor.tokenId}|${action}|${workspaceId}|${projectId ?? ""}`,
            ask,
          )
    }

    return Auth.Authorizer.of({
      authorize: (actor, action, target) =>
        Effect.gen(function* () {
          const projectId = target.projectId ?? null
          const resource =
            target.resource ??
            (projectId !== null ? { type: "project", id: projectId } : { type: "workspace", id: target.workspaceId })
          if (!isRead(action)) {
            yield* AuditTrail.noteFirst({
              action,
              workspaceId: target.workspaceId,
              targetType: resource.type,
              targetId: resource.id,
            })
          }
          const decision = yield* decide(actor, action, target.workspaceId, projectId).pipe(
            Effect.catchDefect((defect) => Effect.die(defect)),
          )
          switch (decision) {
            case "allowed":
              // Over the deploy budget is a 429 (with its headers), whichever route deploys.
              if (deploys.has(action)) {
                yield* limit("deploy", [`${actor.kind}:${actor.id}`]).pipe(Effect.provideContext(limits), Effect.orDie)
              }
              return
            case "not_found":
              return yield* ApiErrors.NotFound.of(resource.type, resource.id)
            case "unauthenticated":
              return yield* Effect.die(
                new ApiErrors.Unauthenticated({ message: "This session or token is no longer valid: sign in again." }),
              )
            case "unverified":
              return yield* new ApiErrors.Forbidden({ message: unverified(actor) })
            case "forbidden":
              return yield* new ApiErrors.Forbidden({
                message:
                  actor.kind === "user"
                    ? `Your role here does not allow ${action}: ask an owner or admin of the workspace.`
                    : `This token does not have the ${action} permission here.`,
              })
          }
        }),
    })
  }),
)
