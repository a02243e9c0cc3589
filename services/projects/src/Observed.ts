import type { Ids, ShuttleRpc } from "@starform/domain"
import { Context, Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { Deployments } from "./Deployments.ts"

/**
 * Shuttle's reports of what runs in its cluster. Each observed release is recorded on its deployment; a release
 * being rolled out that Shuttle reports `ready` becomes active (the previous one superseded), one it reports
 * `failed` fails with Shuttle's reason while the previous release keeps serving. Anything the report names that
 * is not in this cluster is ignored, never touched.
 */
export class ObservedState extends Context.Service<
  ObservedState,
  {
    readonly report: (
      clusterId: Ids.ClusterId,
      services: ReadonlyArray<ShuttleRpc.ObservedService>,
    ) => Effect.Effect<ShuttleRpc.ObservedStateAck>
  }
>()("starform/projects/ObservedState") {
  static readonly layer = Layer.effect(
    ObservedState,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const deployments = yield* Deployments

      const intake = Effect.fn("ObservedState.intake")(function* (
        clusterId: Ids.ClusterId,
        observed: ShuttleRpc.ObservedService,
      ) {
        const rows = yield* sql<{ readonly status: string }>`
          UPDATE deployments d SET observed_state = ${JSON.stringify(observed)}, observed_at = now()
          FROM environments e
          WHERE d.id = ${observed.deploymentId} AND d.service_id = ${observed.serviceId}
            AND e.id = d.environment_id AND e.cluster_id = ${clusterId}
          RETURNING d.status`.pipe(Effect.orDie)
        const status = rows[0]?.status
        if (status === undefined) return false
        if (status === "deploying" && observed.phase === "ready") {
          yield* deployments.markReady(observed.deploymentId).pipe(Effect.ignore)
        } else if (status === "deploying" && observed.phase === "failed") {
          const reason = observed.failureReason ?? "The rollout failed without a reason from the cluster."
          yield* deployments.markFailed(observed.deploymentId, reason).pipe(Effect.ignore)
        }
        return true
      })

      return ObservedState.of({
        report: Effect.fn("ObservedState.report")(function* (clusterId, services) {
          let accepted = 0
          for (const observed of services) if (yield* intake(clusterId, observed)) accepted++
          yield* sql`UPDATE clusters SET last_report_at = now() WHERE id = ${clusterId}`.pipe(Effect.orDie)
          return { accepted, ignored: services.length - accepted }
        }),
      })
    }),
  )
}
