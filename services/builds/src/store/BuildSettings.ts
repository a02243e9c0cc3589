import { Sql } from "@starform/db"
import { Deploys } from "@starform/domain"
import { Context, Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/** Per-service build settings (`service_build_settings`): for now the build timeout a service asks for. */

const TimeoutRow = Schema.Struct({ timeoutSeconds: Deploys.ServiceBuildSettings.fields.timeoutSeconds })

export class BuildSettings extends Context.Service<
  BuildSettings,
  {
    /** The timeout the service asks for; null: the plan's default. */
    readonly timeoutOf: (serviceId: string) => Effect.Effect<number | null>
    readonly setTimeout: (service: {
      readonly serviceId: string
      readonly projectId: string
      readonly environmentId: string
      readonly timeoutSeconds: number | null
    }) => Effect.Effect<void>
  }
>()("starform/builds/BuildSettings") {
  static readonly layer = Layer.effect(
    BuildSettings,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return BuildSettings.of(
        Sql.edge({
          timeoutOf: (serviceId: string) =>
            sql`SELECT timeout_seconds FROM service_build_settings WHERE service_id = ${serviceId}`.pipe(
              Effect.flatMap(Sql.decodeRows(TimeoutRow)),
              Effect.map((rows) => rows[0]?.timeoutSeconds ?? null),
            ),
          setTimeout: (service: {
            readonly serviceId: string
            readonly projectId: string
            readonly environmentId: string
            readonly timeoutSeconds: number | null
          }) =>
            sql`
              INSERT INTO service_build_settings ${sql.insert({ ...service })}
              ON CONFLICT (service_id) DO UPDATE SET timeout_seconds = excluded.timeout_seconds`.pipe(Effect.asVoid),
        }),
      )
    }),
  )
}
