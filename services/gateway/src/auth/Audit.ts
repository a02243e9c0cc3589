import { IdentityRpc } from "@starform/domain"
import { Effect, Exit, Option } from "effect"
import { HttpServerRequest, type HttpServerResponse } from "effect/http"
import { call, IdentityClient } from "../identity/IdentityClient.ts"
import { AuditTrail, type Trail } from "./AuditTrail.ts"

/**
 * Records every mutating request (POST, PUT, PATCH, DELETE) in the audit log once its answer is known: who (user,
 * token or service account), what action on which target in which workspace, from which IP and user agent, and the
 * outcome — `success`, `denied` (403/404 after authentication) or `failed`. Requests that never got past
 * authentication (401, 429) are not anyone's action and are not recorded, except sign-in attempts.
 */

const mutating = new Set(["POST", "PUT", "PATCH", "DELETE"])

const outcomeOf = (status: number): "success" | "denied" | "failed" | undefined => {
  if (status < 400) return "success"
  if (status === 403 || status === 404) return "denied"
  if (status === 401 || status === 429) return undefined
  return "failed"
}

/** `POST /v1/auth/login` → `auth.login`: the action of a request no authorization check named. */
const fallbackAction = (method: string, url: string): string => {
  const words = url
    .split("?")[0]!
    .split("/")
    .filter((segment) => /^[a-z][a-z-]*$/.test(segment) && segment !== "v1")
    .map((segment) => segment.replace(/-/g, "_"))
  return [...(words.length > 0 ? words : ["request"]), method.toLowerCase()].join(".").slice(0, 100)
}

const record = (request: HttpServerRequest.HttpServerRequest, trail: Trail, status: number) =>
  Effect.gen(function* () {
    const outcome = outcomeOf(status)
    const isSignIn = request.url.startsWith("/v1/auth/")
    if (outcome === undefined && !isSignIn) return
    if (trail.actor === undefined && !isSignIn) return
    const identity = yield* IdentityClient
    const actor = trail.actor
    yield* call(
      identity.RecordAudit({
        record: new IdentityRpc.AuditRecord({
          workspaceId: (trail.workspaceId as never) ?? null,
          actorType: actor?.kind ?? "user",
          actorId: trail.actorIdOverride ?? actor?.id ?? null,
          action: trail.action ?? fallbackAction(request.method, request.url),
          targetType: trail.targetType,
          targetId: trail.targetId,
          ip: Option.getOrNull(request.remoteAddress),
          userAgent: request.headers["user-agent"] ?? null,
          outcome: outcome ?? "denied",
          metadata: { method: request.method, path: request.url.split("?")[0]!, status },
        }),
      }),
    )
  }).pipe(
    // The action has happened whatever becomes of its record; a lost record is logged loudly, never hidden.
    Effect.catchCause((cause) => Effect.logError("audit: could not record a request", cause)),
  )

/** Wraps a request's handling: mutating requests are recorded with the status they finally answered. */
export const make = Effect.gen(function* () {
  const identity = yield* IdentityClient
  return <E, R>(httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (!mutating.has(request.method)) return yield* httpEffect
      const trail = AuditTrail.empty()
      const exit = yield* Effect.exit(Effect.provideService(httpEffect, AuditTrail, trail))
      const status = Exit.isSuccess(exit) ? exit.value.status : 500
      yield* record(request, trail, status).pipe(Effect.provideService(IdentityClient, identity))
      return yield* exit
    })
})
