import { AsyncResult } from "effect/reactivity"
import * as React from "react"
import * as Problems from "../api/Problems.ts"
import * as Session from "../api/Session.ts"

/**
 * Renders a query's result: its value once there is one (kept on screen while a refresh is in flight), a quiet
 * "Loading…" before, and the API's message on failure — "Not found" for a 404, which is also what a resource of
 * someone else's workspace answers.
 */
export const Loaded = <A, E extends { readonly message: string; readonly code?: string }>({
  result,
  children,
}: {
  readonly result: AsyncResult.AsyncResult<A, E>
  readonly children: (value: A) => React.ReactNode
}) => {
  if (AsyncResult.isSuccess(result)) return <>{children(result.value)}</>
  if (AsyncResult.isFailure(result)) {
    const problem = Problems.fromCause(result.cause)
    if (problem.code === "not_found") return <NotFound />
    if (problem.code === "unauthenticated") return <SessionEnded />
    return (
      <p className="form-error" role="alert">
        {problem.message}
      </p>
    )
  }
  return (
    <p className="muted" aria-busy="true">
      Loading…
    </p>
  )
}

export const NotFound = () => (
  <section className="not-found">
    <h1>Not found</h1>
    <p>There is nothing here, or it belongs to a workspace you are not a member of.</p>
  </section>
)

/** The session was revoked or ran out (a sign-out elsewhere, a password reset): back to signing in. */
const SessionEnded = () => {
  React.useEffect(() => Session.clear(), [])
  return <p role="status">Your session has ended. Sign in again to continue.</p>
}
