import type { Auth, IdentityRpc } from "@starform/domain"
import { Context, Effect, Layer } from "effect"
import { RecentAnswers } from "./RecentAnswers.ts"

type Decision = IdentityRpc.Decision

/**
 * Identity's recent answers, shared by `Authentication` and `Authorizer`. Handlers that change who may do what
 * (revoking a token or session, changing a role) clear it, so this gateway never acts on a stale answer.
 */
export class AuthCache extends Context.Service<
  AuthCache,
  {
    /** API token hash → actor. */
    readonly tokens: RecentAnswers<Auth.Actor, Auth.Unauthenticated>
    /** user|session → its actor while the session is live, null once it is signed out. */
    readonly sessions: RecentAnswers<Auth.Actor | null>
    /** actor|action|workspace|project → decision. */
    readonly decisions: RecentAnswers<Decision>
    readonly clear: () => void
  }
>()("starform/gateway/AuthCache") {
  static readonly layerWith = (ttlMs: number) =>
    Layer.effect(
      AuthCache,
      Effect.gen(function* () {
        const tokens = yield* RecentAnswers.make<Auth.Actor, Auth.Unauthenticated>(ttlMs)
        const sessions = yield* RecentAnswers.make<Auth.Actor | null>(ttlMs)
        const decisions = yield* RecentAnswers.make<Decision>(ttlMs)
        return AuthCache.of({
          tokens,
          sessions,
          decisions,
          clear: () => {
            tokens.clear()
            sessions.clear()
            decisions.clear()
          },
        })
      }),
    )

  static readonly layer = AuthCache.layerWith(5_000)
}
