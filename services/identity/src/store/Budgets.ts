import { Sql } from "@starform/db"
import { IdentityRpc } from "@starform/domain"
import { Effect } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"

/** The rate-limit budgets (`rate_limit_budgets`) the gateway enforces. */
export const all = (sql: SqlClient.SqlClient) =>
  sql`SELECT name, capacity, refill_per_minute FROM rate_limit_budgets ORDER BY name`.pipe(
    Effect.flatMap(Sql.decodeRows(IdentityRpc.RateLimitBudget)),
    Sql.orDefect,
  )
