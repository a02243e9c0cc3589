import { IdentityRpc } from "@starform/domain"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { decodeRows } from "./Sql.ts"

/** The rate-limit budgets (`rate_limit_budgets`) the gateway enforces. */
export const all = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`SELECT name, capacity, refill_per_minute FROM rate_limit_budgets ORDER BY name`.pipe(
    Effect.orDie,
  )
  return yield* decodeRows(IdentityRpc.RateLimitBudget)(rows)
})
