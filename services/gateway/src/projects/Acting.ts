import { Auth, type ProjectsRpc } from "@starform/domain"
import { Effect, Option } from "effect"
import { HttpServerRequest } from "effect/http"

/** Who is acting, for `created_by` and the audit log of what the projects service records itself. */
export const acting = Effect.gen(function* () {
  const actor = yield* Auth.CurrentActor
  const request = yield* Effect.serviceOption(HttpServerRequest.HttpServerRequest)
  return {
    type: actor.kind,
    id: actor.id,
    userId: actor.userId,
    ip: Option.match(request, { onNone: () => null, onSome: (r) => Option.getOrNull(r.remoteAddress) }),
    userAgent: Option.match(request, { onNone: () => null, onSome: (r) => r.headers["user-agent"] ?? null }),
  } satisfies ProjectsRpc.ActingUser
})
