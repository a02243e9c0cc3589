import { Clock, Context, DateTime, Effect, Layer, Option, Redacted, Schedule } from "effect"
import type { Fault } from "../Faults.ts"
import { Installations } from "../github/Installations.ts"
import { BuildLogs, type LogLine } from "../logs/BuildLogs.ts"
import * as Machine from "../Machine.ts"
import * as Job from "../runner/Job.ts"
import * as Protocol from "../runner/Protocol.ts"
import { Runner } from "../runner/Runner.ts"
import * as Links from "../sources/Links.ts"
import { type BuildRecord, BuildStore } from "../store/BuildStore.ts"
import { type BuildGone, Decisions } from "./Decisions.ts"
import { PipelineOptionsService } from "./Options.ts"
import { PreDeploy } from "./PreDeploy.ts"
import { Report } from "./Report.ts"
import { jobOf, specOf } from "./Specs.ts"

/**
 * Watching one attempt to its end: its Job is started with a token of the repository's installation, its output
 * becomes the build's log and the state machine's events (phases, the pushed image, a fault), and its end is
 * decided, then handed to the pre-deploy command or reported. A restarted service picks up the log where it was.
 */

const faultFromGithub = (row: BuildRecord, error: { readonly _tag: string; readonly message: string }): Fault =>
  error._tag === "GithubUnavailable"
    ? { _tag: "CloneNetworkError", detail: error.message }
    : { _tag: "SourceUnavailable", detail: `${row.repoFullName}: ${error.message}` }

export class Supervision extends Context.Service<
  Supervision,
  {
    /** Starts the admitted build's Job (unless it has one) and watches it until the build ends. */
    readonly supervise: (buildId: string) => Effect.Effect<void, BuildGone>
  }
>()("starform/builds/Supervision") {
  static readonly layer = Layer.effect(
    Supervision,
    Effect.gen(function* () {
      const options = yield* PipelineOptionsService
      const store = yield* BuildStore
      const logs = yield* BuildLogs
      const runner = yield* Runner
      const installations = yield* Installations
      const decisions = yield* Decisions
      const predeploy = yield* PreDeploy
      const { report } = yield* Report
      const { decide, fresh } = decisions
      const signingKey = yield* Links.SigningKey

      const fail = (id: string, fault: Fault) => Effect.asVoid(decide(id, { _tag: "Failed", fault }))

      /** An uploaded folder's build: its Job fetches the archive through a signed link, no GitHub token needed. */
      const startUpload = Effect.fn("Pipeline.startUploadBuild")(function* (row: BuildRecord, uploadId: string) {
        const expires = (yield* Clock.currentTimeMillis) + Links.linkLifetimeMs
        const link = `${options.sourcesUrl}${Links.sign(signingKey, uploadId, expires)}`
        return yield* runner.startBuild(specOf(options.registry, row, link), Redacted.make(""))
      })

      /** Creates the attempt's Job; false when the build failed before it could start (the reason is decided). */
      const start = Effect.fn("Pipeline.startBuild")(function* (row: BuildRecord) {
        if (row.sourceUploadId !== null) {
          const started = yield* startUpload(row, row.sourceUploadId).pipe(Effect.result)
          if (started._tag === "Failure") {
            yield* fail(row.id, { _tag: "RunnerLost", detail: started.failure.message })
            return false
          }
          const name = Job.jobName(row.id, row.attempt)
          yield* store.setRunnerJob(row.id, name)
          yield* decisions.note(row.id, `Build Job ${name} started (attempt ${row.attempt}, uploaded folder).`)
          return true
        }
        const installation =
          row.githubInstallationId === null ? Option.none() : yield* installations.get(row.githubInstallationId)
        if (Option.isNone(installation)) {
          yield* fail(row.id, {
            _tag: "SourceUnavailable",
            detail: `no GitHub App installation of this workspace gives Starform access to ${row.repoFullName}; connect GitHub for its owner`,
          })
          return false
        }
        if (row.commitSha === null) {
          yield* fail(row.id, {
            _tag: "SourceUnavailable",
            detail: `the head of the service's branch of ${row.repoFullName} could not be read from GitHub; deploy a commit SHA or push to the branch`,
          })
          return false
        }
        const token = yield* installations.token(installation.value).pipe(Effect.result)
        if (token._tag === "Failure") {
          yield* fail(row.id, faultFromGithub(row, token.failure))
          return false
        }
        const started = yield* runner.startBuild(specOf(options.registry, row), token.success).pipe(Effect.result)
        if (started._tag === "Failure") {
          yield* fail(row.id, { _tag: "RunnerLost", detail: started.failure.message })
          return false
        }
        const name = Job.jobName(row.id, row.attempt)
        yield* store.setRunnerJob(row.id, name)
        yield* decisions.note(row.id, `Build Job ${name} started (attempt ${row.attempt}).`)
        return true
      })

      return Supervision.of({
        supervise: Effect.fn("Pipeline.supervise")(function* (id: string) {
          const first = yield* fresh(id)
          if (first.runnerJob === null && Machine.canMove(first.status, "failed") && !(yield* start(first))) return
          const job = jobOf(options.registry, first)
          let cursor = yield* logs.count(id, "runner")
          let pushed: Extract<Protocol.Marker, { readonly _tag: "Pushed" }> | undefined
          let fault: Fault | undefined

          /** One look at the Job: true once the build has ended here (or elsewhere). */
          const look = Effect.gen(function* () {
            const row = yield* fresh(id)
            if (!Machine.canMove(row.status, "failed")) {
              yield* runner.stop(job)
              return true
            }
            const now = yield* Clock.currentTimeMillis
            if (row.deadlineAt !== null && DateTime.toEpochMillis(row.deadlineAt) <= now) {
              yield* decide(id, { _tag: "DeadlinePassed" })
              yield* runner.stop(job)
              return true
            }
            const observed = yield* runner.observe(job, cursor).pipe(Effect.option)
            if (Option.isNone(observed)) return false
            const lines: Array<LogLine> = []
            for (const { at, line } of observed.value.lines) {
              cursor++
              lines.push({ at, stream: "runner", line })
              const marker = Protocol.parse(line)
              if (marker === undefined) continue
              if (marker._tag === "Phase") {
                yield* logs.append(id, lines.splice(0))
                yield* decide(id, { _tag: "Reached", phase: marker.phase })
              } else if (marker._tag === "Pushed") pushed = marker
              else
                fault = Protocol.faultOf(marker, {
                  buildCommand: row.overrides.buildCommand,
                  imageSizeLimitBytes: Number(row.imageSizeLimitBytes),
                  line,
                })
            }
            yield* logs.append(id, lines)
            if (Option.isNone(observed.value.ending)) return false
            const event = Protocol.ended(
              observed.value.ending.value,
              { pushed, fault },
              { imageRef: specOf(options.registry, row).imageRef, buildCommand: row.overrides.buildCommand },
            )
            const { row: after } = yield* decide(id, event)
            yield* runner.stop(job)
            if (after.status === "succeeded" && after.predeployStatus === "pending") yield* predeploy.run(after)
            else yield* report(after.id)
            return true
          })
          yield* look.pipe(Effect.repeat({ schedule: Schedule.spaced(options.watchMs), until: (ended) => ended }))
        }),
      })
    }),
  )
}
