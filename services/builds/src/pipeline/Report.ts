import type { ProjectsRpc } from "@starform/domain"
import { Context, Effect, Layer, Option } from "effect"
import { Projects } from "../Projects.ts"
import { type BuildRecord, BuildStore } from "../store/BuildStore.ts"
import { type BuildGone, Decisions } from "./Decisions.ts"

/**
 * The last stage: the projects service is told how the build ended (once), so the deployment goes on to the
 * cluster or fails with the build's reason. A lost answer is told again on a later pass.
 */

/** What the deployment is told; none for a cancelled build (whoever cancelled it cancelled the deployment). */
export const outcomeOf = (row: BuildRecord): Option.Option<ProjectsRpc.BuildOutcome> =>
  row.status === "succeeded" && row.predeployStatus !== "failed"
    ? Option.some({ _tag: "Succeeded", imageRef: row.imageRef ?? "", imageDigest: row.imageDigest })
    : row.status === "cancelled"
      ? Option.none()
      : Option.some({
          _tag: "Failed",
          reason: (row.predeployStatus === "failed" ? row.predeployReason : row.failureReason) ?? "The build failed.",
        })

export class Report extends Context.Service<
  Report,
  {
    /** Tells the build's deployment how it ended, unless that was told already. */
    readonly report: (buildId: string) => Effect.Effect<void, BuildGone>
  }
>()("starform/builds/Report") {
  static readonly layer = Layer.effect(
    Report,
    Effect.gen(function* () {
      const store = yield* BuildStore
      const projects = yield* Projects
      const decisions = yield* Decisions

      return Report.of({
        report: Effect.fn("Pipeline.report")(function* (buildId: string) {
          // read again: a retry marks its failed attempt reported, and another pass may have reported it
          const row = yield* decisions.fresh(buildId)
          if (row.reportedAt !== null) return
          const outcome = outcomeOf(row)
          if (Option.isSome(outcome)) {
            const told = yield* projects.RecordBuild({ deploymentId: row.deploymentId, outcome: outcome.value }).pipe(
              Effect.as(true),
              Effect.catchTags({ Conflict: () => Effect.succeed(true), NotFound: () => Effect.succeed(true) }),
              Effect.catchCause((cause) =>
                Effect.logWarning(
                  `builds: telling deployment ${row.deploymentId} of build ${row.id} failed`,
                  cause,
                ).pipe(Effect.as(false)),
              ),
            )
            if (!told) return
          }
          yield* store.markReported(row.id)
        }),
      })
    }),
  )
}
