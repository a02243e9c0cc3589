import type { Auth } from "@starform/domain"
import { Context, Layer } from "effect"
import { TtlCache } from "./TtlCache.ts"

/**
 * Identity's recent answers, shared by `Authentication` and `Authorizer`. Handlers that change who may do what
 * (revoking a token or session, changing a role) clear it, so this gateway never acts on a stale answer.
 */
export class AuthCache extends Context.Service<
  AuthCache,
  {
    /** API token hash → actor. */
    readonly tokens: TtlCache<Auth.Actor>
    /** user|session → its actor while the session is live, null once it is signed out. */
    readonly sessions: TtlCache<Auth.Actor | null>
    /** actor|action|workspace|project → decision. */
    readonly decisions: TtlCache<"allowed" | "forbidden" | "not_found" | "unauthenticated">
    readonly clear: () => void
  }
>()("starform/gateway/AuthCache") {
  static readonly layerWith = (ttlMs: number) =>
    Layer.sync(AuthCache, () => {
      const tokens = new TtlCache<Auth.Actor>(ttlMs)
      const sessions = new TtlCache<Auth.Actor | null>(ttlMs)
      const decisions = new TtlCache<"allowed" | "forbidden" | "not_found" | "unauthenticated">(ttlMs)
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
    })

  static readonly layer = AuthCache.layerWith(5_000)
}
