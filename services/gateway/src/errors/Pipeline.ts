import { Effect } from "effect"
import { HttpRouter } from "effect/http"
import * as Audit from "../auth/Audit.ts"
import * as JsonErrors from "./JsonErrors.ts"

/**
 * What wraps every route, in this order: the audit record (outermost, so it sees the status actually sent), then the
 * JSON error bodies. One global middleware, so the order does not depend on how layers happen to be built.
 */
export const layer = HttpRouter.middleware(
  Effect.map(Audit.make, (audit) => (httpEffect) => audit(JsonErrors.wrap(httpEffect))),
  { global: true },
)
