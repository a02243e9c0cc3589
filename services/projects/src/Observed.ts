import { Sql } from "@starform/db"
import { Deploys, type Ids, type ShuttleRpc } from "@starform/domain"
import { Context, Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { Deployments } from "./deployments/Deployments.ts"

/**
 * Shuttle's reports of what runs in its cluster. Each observed release is recorded on its deployment; a release
 * being rolled out that Shuttle reports `ready` becomes active (the previous one superseded), one it reports
 * `failed` fails with Shuttle's reason while the previous release keeps serving. Anything the report names that
 * is not in this cluster is ignored, never touched. A change the lifecycle refuses (the release moved on meanwhile)
 * is logged with the deployment and the reason, and the report is still accepted.
 */

const Recorded = Schema.Struct({ status: Deploys.DeploymentStatus })
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
        const rows = yield* sql`
          UPDATE deployments d SET observed_state = ${JSON.stringify(observed)}, observed_at = now()
          FROM environments e
          WHERE d.id = ${observed.deploymentId} AND d.service_id = ${observed.serviceId}
            AND e.id = d.environment_id AND e.cluster_id = ${clusterId}
          RETURNING d.status`.pipe(Sql.orDefect, Effect.flatMap(Sql.decodeRows(Recorded)))
        const status = rows[0]?.status
        if (status === undefined) return false
        if (status === "deploying" && observed.phase === "ready") {
          yield* deployments.activate(observed.deploymentId).pipe(Effect.catch(refused(observed, "activated")))
        } else if (status === "deploying" && observed.phase === "failed") {
          const reason = observed.failureReason ?? "The rollout failed without a reason from the cluster."
          yield* deployments.fail(observed.deploymentId, reason).pipe(Effect.catch(refused(observed, "failed")))
        }
        return true
      })

      return ObservedState.of({
        report: Effect.fn("ObservedState.report")(function* (clusterId, services) {
          let accepted = 0
          for (const observed of services) if (yield* intake(clusterId, observed)) accepted++
          yield* sql`UPDATE clusters SET last_report_at = now() WHERE id = ${clusterId}`.pipe(Sql.orDefect)
          return { accepted, ignored: services.length - accepted }
        }),
      })
    }),
  )
}

/** A report's consequence the lifecycle refused: the report stands, the refusal is logged for whoever looks. */
const refused = (observed: ShuttleRpc.ObservedService, what: string) => (error: { readonly message: string }) =>
  Effect.logWarning(
    `deployment ${observed.deploymentId} reported ${observed.phase} was not ${what}: ${error.message}`,
  ).pipe(Effect.annotateLogs({ deploymentId: observed.deploymentId, reason: error.message }))
