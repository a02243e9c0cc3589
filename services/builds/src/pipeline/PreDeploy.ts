import { Clock, Context, Effect, Layer, Option, Schedule } from "effect"
import { BuildLogs } from "../logs/BuildLogs.ts"
import * as Machine from "../Machine.ts"
import { Projects } from "../Projects.ts"
import type * as Job from "../runner/Job.ts"
import { Runner } from "../runner/Runner.ts"
import { type BuildRecord, BuildStore } from "../store/BuildStore.ts"
import { type BuildGone, Decisions } from "./Decisions.ts"
import { PipelineOptionsService } from "./Options.ts"
import { Report } from "./Report.ts"
import { jobOf, specOf } from "./Specs.ts"

/**
 * The pre-deploy command (migrations, say) runs as a Job against the pushed image with the release's variables,
 * once the build succeeded and before the release goes to the cluster; if it fails or overruns the build's timeout,
 * the deployment fails and the previous release keeps serving.
 */
export class PreDeploy extends Context.Service<
  PreDeploy,
  {
    /** Starts (or goes on watching) the built release's pre-deploy Job until it ends, then reports the build. */
    readonly run: (built: BuildRecord) => Effect.Effect<void, BuildGone>
  }
>()("starform/builds/PreDeploy") {
  static readonly layer = Layer.effect(
    PreDeploy,
    Effect.gen(function* () {
      const options = yield* PipelineOptionsService
      const store = yield* BuildStore
      const logs = yield* BuildLogs
      const runner = yield* Runner
      const projects = yield* Projects
      const decisions = yield* Decisions
      const { report } = yield* Report

      const finish = Effect.fn("Pipeline.finishPredeploy")(function* (id: string, failure: string | null) {
        yield* store.setPredeploy(id, failure === null ? "succeeded" : "failed", failure)
        yield* decisions.note(id, failure ?? "Pre-deploy command succeeded; the release goes to the cluster.")
        yield* report(id)
      })

      /** False when the Job could not be started now: the next pass tries again. */
      const start = Effect.fn("Pipeline.startPredeploy")(function* (built: BuildRecord, spec: Job.PredeploySpec) {
        // exactly the release's variables
        const variables = yield* projects.GetReleaseVariables({ deploymentId: built.deploymentId }).pipe(Effect.result)
        if (variables._tag === "Failure") return false
        const started = yield* runner.startPredeploy(spec, variables.success).pipe(Effect.result)
        if (started._tag === "Failure") return false
        yield* store.setPredeploy(built.id, "running", null)
        yield* decisions.note(built.id, `Pre-deploy command started: ${spec.command}`)
        return true
      })

      return PreDeploy.of({
        run: Effect.fn("Pipeline.predeploy")(function* (built: BuildRecord) {
          const command = built.overrides.preDeployCommand
          if (command === null) return yield* report(built.id)
          const spec: Job.PredeploySpec = {
            ...specOf(options.registry, built),
            command,
            imageRef: built.imageRef ?? specOf(options.registry, built).imageRef,
            imageDigest: built.imageDigest,
          }
          const job = jobOf(options.registry, built, "predeploy")
          if (built.predeployStatus === "pending" && !(yield* start(built, spec))) return
          const deadline = (yield* Clock.currentTimeMillis) + built.timeoutSeconds * 1000
          let cursor = 0

          /** One look at the Job: true once it has ended (or overran) and the outcome is recorded. */
          const look = Effect.gen(function* () {
            if ((yield* Clock.currentTimeMillis) > deadline) {
              yield* runner.stop(job)
              yield* finish(
                built.id,
                `The pre-deploy command \`${command}\` did not finish within ${Machine.formatDuration(built.timeoutSeconds)}; this release was not deployed and the previous one keeps serving.`,
              )
              return true
            }
            const observed = yield* runner.observe(job, cursor).pipe(Effect.option)
            if (Option.isNone(observed)) return false
            cursor += observed.value.lines.length
            yield* logs.append(
              built.id,
              observed.value.lines.map(({ at, line }) => ({ at, stream: "predeploy" as const, line })),
            )
            if (Option.isNone(observed.value.ending)) return false
            const ending = observed.value.ending.value
            yield* runner.stop(job)
            yield* finish(
              built.id,
              ending._tag === "Exited" && ending.exitCode === 0
                ? null
                : `The pre-deploy command \`${command}\` ${ending._tag === "Exited" ? `exited with code ${ending.exitCode}` : `did not run to the end (${ending.detail})`}; this release was not deployed and the previous one keeps serving. See the build log.`,
            )
            return true
          })
          yield* look.pipe(Effect.repeat({ schedule: Schedule.spaced(options.watchMs), until: (ended) => ended }))
        }),
      })
    }),
  )
}
