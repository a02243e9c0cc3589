import { PublicApi } from "@starform/domain"
import { Duration, Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as SqlClient from "effect/sql/SqlClient"

const { Api, HealthReport, Unhealthy } = PublicApi

const databaseTimeout = Duration.seconds(2)

/** The database check is bounded so that a hung connection makes the probe fail rather than hang. */
const checkDatabase = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`SELECT 1`
}).pipe(
  Effect.timeout(databaseTimeout),
  Effect.as("ok" as const),
  Effect.orElseSucceed(() => "unreachable" as const),
)

export const SystemHandlers = HttpApiBuilder.group(Api, "system", (handlers) =>
  handlers.handle("healthz", () =>
    Effect.gen(function* () {
      const database = yield* checkDatabase
      const report = new HealthReport({ status: database === "ok" ? "ok" : "unavailable", checks: { database } })
      if (report.status !== "ok") return yield* new Unhealthy({ report })
      return report
    }),
  ),
)
