import { ApiErrors, type BuildsApi, type DeploymentsApi, type Identity, type ProjectsRpc } from "@starform/domain"
import { Cause, Context, Effect, FiberMap, Latch, Layer, Option, Semaphore } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { Fault } from "../Faults.ts"
import { GithubApp } from "../github/GithubApp.ts"
import { Installations } from "../github/Installations.ts"
import { BuildLogs, type LogLine } from "../logs/BuildLogs.ts"
import * as Machine from "../Machine.ts"
import * as Policy from "../Policy.ts"
import { Projects } from "../Projects.ts"
import * as Job from "../runner/Job.ts"
import * as Protocol from "../runner/Protocol.ts"
import { type JobRef, Runner } from "../runner/Runner.ts"
import { type BuildRow, BuildStore, unfinished, view } from "../store/BuildStore.ts"

/**
 * The build pipeline, level-driven like Shuttle: each pass takes in the deployments waiting for a build, starts
 * queued builds as the workspaces' plans allow (the rest wait, told why), supervises running ones (one fiber per
 * build, keyed by its id), runs pre-deploy commands, and tells the projects service how each build ended. A pass
 * runs every `pollMs`, and at once when woken (a push arrived). Everything it decides is in the database, so a
 * restarted pipeline picks up where the last one stopped.
 */

export interface PipelineOptions {
  /** How often a pass runs, and how often a running Job is looked at. */
  readonly pollMs: number
  /** The first retry's delay; the second waits four times as long. */
  readonly retryBaseMs: number
  /** Where images are pushed: `<registry>/<project>/<service>:<deployment>`. */
  readonly registry: string
}

export const defaultOptions: PipelineOptions = {
  pollMs: 1000,
  retryBaseMs: 15_000,
  registry: "registry.starform.internal",
}

export class PipelineOptionsService extends Context.Service<PipelineOptionsService, PipelineOptions>()(
  "starform/builds/PipelineOptions",
) {
  static readonly layer = (options: Partial<PipelineOptions> = {}) =>
    Layer.succeed(PipelineOptionsService, { ...defaultOptions, ...options })
}

/** Logs a failure and carries on; an interruption (the service stopping) is not a failure and goes through. */
const logFailure =
  (message: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A | undefined, never, R> =>
    Effect.catchCause(effect, (cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Effect.as(Effect.logWarning(message, cause), undefined),
    )

export class Pipeline extends Context.Service<
  Pipeline,
  {
    /** Runs a pass now (a push created deployments). */
    readonly wake: Effect.Effect<void>
    /** One pass, awaited: tests drive the pipeline with it. */
    readonly pass: Effect.Effect<void>
    /** Cancels the deployment's unfinished build (its deployment is being cancelled by the caller). */
    readonly cancelDeployment: (deploymentId: string, reason: string) => Effect.Effect<void>
    /** A person cancels a build: the build and its deployment are cancelled. */
    readonly cancelBuild: (
      buildId: string,
    ) => Effect.Effect<BuildsApi.BuildView, ApiErrors.NotFound | ApiErrors.Conflict>
    readonly viewOf: (row: BuildRow) => Effect.Effect<BuildsApi.BuildView>
  }
>()("starform/builds/Pipeline") {
  static readonly layer = Layer.effect(
    Pipeline,
    Effect.gen(function* () {
      const options = yield* PipelineOptionsService
      const store = yield* BuildStore
      const logs = yield* BuildLogs
      const runner = yield* Runner
      const projects = yield* Projects
      const installations = yield* Installations
      const github = yield* GithubApp
      const sql = yield* SqlClient.SqlClient
      const fibers = yield* FiberMap.make<string>()
      const plans = new Map<string, Identity.WorkspacePlan>()
      const wakeups = yield* Latch.make(false)
      const passLock = yield* Semaphore.make(1)

      const system = (buildId: string, line: string) =>
        logs.append(buildId, [{ at: new Date(), stream: "system", line }])

      const imageRefOf = (d: { readonly projectId: string; readonly serviceId: string; readonly id: string }) =>
        `${options.registry}/${d.projectId.replace(/_/g, "-")}/${d.serviceId.replace(/_/g, "-")}:${d.id.replace(/_/g, "-")}`

      const specOf = (row: BuildRow): Job.BuildSpec => ({
        buildId: row.id,
        workspaceId: row.workspaceId ?? "",
        projectId: row.projectId,
        environmentId: row.environmentId,
        serviceId: row.serviceId,
        deploymentId: row.deploymentId,
        attempt: row.attempt,
        repoFullName: row.repoFullName ?? "",
        commitSha: row.commitSha ?? "",
        rootDirectory: row.rootDirectory,
        imageRef: imageRefOf({ projectId: row.projectId, serviceId: row.serviceId, id: row.deploymentId }),
        imageSizeLimitBytes: Number(row.imageSizeLimitBytes),
        timeoutSeconds: row.timeoutSeconds,
        buildCommand: row.overrides.buildCommand,
        startCommand: row.overrides.startCommand,
      })

      const jobOf = (row: BuildRow, kind: JobRef["kind"] = "build"): JobRef => ({
        kind,
        buildId: row.id,
        attempt: row.attempt,
        namespace:
          kind === "build"
            ? Job.namespace
            : Job.predeployJob({ ...specOf(row), command: "", imageDigest: null }).metadata.namespace,
      })

      const fresh = (id: string) => Effect.map(store.get(id), Option.getOrThrow)

      /** Decides `event` for the build as it is now and persists the move; returns the build after it. */
      const decide = Effect.fn("Pipeline.decide")(function* (id: string, event: Machine.Event) {
        for (let tries = 0; tries < 5; tries++) {
          const row = yield* fresh(id)
          const decision = Machine.decide(
            {
              status: row.status,
              attempt: row.attempt,
              timeoutSeconds: row.timeoutSeconds,
              imageSizeLimitBytes: Number(row.imageSizeLimitBytes),
            },
            event,
          )
          if (decision._tag === "Ignore") return { row, decision }
          const delay = decision.retry ? Policy.backoffMs(row.attempt + 1, options.retryBaseMs, Math.random()) : 0
          if (yield* store.apply(row, decision, delay)) {
            const after = yield* fresh(id)
            yield* system(id, `${decision.path.join(" → ")}${decision.failure ? `: ${decision.failure.reason}` : ""}`)
            if (decision.retry) yield* system(id, `Attempt ${row.attempt + 1} starts in ${(delay / 1000).toFixed(1)}s.`)
            return { row: after, decision }
          }
        }
        return { row: yield* fresh(id), decision: { _tag: "Ignore", why: "the build kept changing" } as const }
      })

      /** Tells the projects service how the build ended (once); a lost answer is retried on the next pass. */
      const report = Effect.fn("Pipeline.report")(function* (given: BuildRow) {
        // read again: a retry marks its failed attempt reported, and another pass may have reported it
        const row = yield* fresh(given.id)
        if (row.reportedAt !== null) return
        const outcome: Option.Option<ProjectsRpc.BuildOutcome> =
          row.status === "succeeded" && row.predeployStatus !== "failed"
            ? Option.some({ _tag: "Succeeded", imageRef: row.imageRef ?? "", imageDigest: row.imageDigest as never })
            : row.status === "cancelled"
              ? Option.none()
              : Option.some({
                  _tag: "Failed",
                  reason:
                    (row.predeployStatus === "failed" ? row.predeployReason : row.failureReason) ?? "The build failed.",
                })
        if (Option.isSome(outcome)) {
          const told = yield* projects.RecordBuild({ deploymentId: row.deploymentId, outcome: outcome.value }).pipe(
            Effect.as(true),
            Effect.catchTags({ Conflict: () => Effect.succeed(true), NotFound: () => Effect.succeed(true) }),
            Effect.catchCause((cause) =>
              Effect.logWarning(`builds: telling deployment ${row.deploymentId} of build ${row.id} failed`, cause).pipe(
                Effect.as(false),
              ),
            ),
          )
          if (!told) return
        }
        yield* store.markReported(row.id)
      })

      const faultFromGithub = (row: BuildRow, error: { readonly _tag: string; readonly message: string }): Fault =>
        error._tag === "GithubUnavailable"
          ? { _tag: "CloneNetworkError", detail: error.message }
          : {
              _tag: "SourceUnavailable",
              detail: `${row.repoFullName}: ${error.message}`,
            }

      /** Watches one attempt until it ends: its Job's output becomes the log and the state machine's events. */
      const supervise = Effect.fn("Pipeline.supervise")(function* (id: string) {
        let row = yield* fresh(id)
        if (row.runnerJob === null && Machine.canMove(row.status, "failed")) {
          const installation =
            row.githubInstallationId === null ? Option.none() : yield* installations.get(row.githubInstallationId)
          if (Option.isSome(installation) && row.commitSha === null) {
            yield* decide(id, {
              _tag: "Failed",
              fault: {
                _tag: "SourceUnavailable",
                detail: `the head of the service's branch of ${row.repoFullName} could not be read from GitHub; deploy a commit SHA or push to the branch`,
              },
            })
            return
          }
          if (Option.isNone(installation)) {
            yield* decide(id, {
              _tag: "Failed",
              fault: {
                _tag: "SourceUnavailable",
                detail: `no GitHub App installation of this workspace gives Starform access to ${row.repoFullName}; connect GitHub for its owner`,
              },
            })
            return
          }
          const token = yield* installations.token(installation.value).pipe(Effect.result)
          if (token._tag === "Failure") {
            yield* decide(id, { _tag: "Failed", fault: faultFromGithub(row, token.failure) })
            return
          }
          const started = yield* runner.startBuild(specOf(row), token.success).pipe(Effect.result)
          if (started._tag === "Failure") {
            yield* decide(id, { _tag: "Failed", fault: { _tag: "RunnerLost", detail: started.failure.message } })
            return
          }
          yield* store.setRunnerJob(id, Job.jobName(row.id, row.attempt))
          yield* system(id, `Build Job ${Job.jobName(row.id, row.attempt)} started (attempt ${row.attempt}).`)
        }
        const job = jobOf(row)
        let cursor = yield* sql<{ readonly n: number | string | bigint }>`
          SELECT count(*) AS n FROM build_logs WHERE build_id = ${id} AND stream = 'runner'`.pipe(
          Effect.orDie,
          Effect.map((rows) => Number(rows[0]?.n ?? 0)),
        )
        let pushed: Extract<Protocol.Marker, { readonly _tag: "Pushed" }> | undefined
        let fault: Fault | undefined
        while (true) {
          row = yield* fresh(id)
          if (Machine.canMove(row.status, "failed") === false) {
            yield* runner.stop(job)
            return
          }
          if (row.deadlineAt !== null && row.deadlineAt.getTime() <= Date.now()) {
            yield* decide(id, { _tag: "DeadlinePassed" })
            yield* runner.stop(job)
            return
          }
          const observed = yield* runner.observe(job, cursor).pipe(Effect.option)
          if (Option.isSome(observed)) {
            const lines: Array<LogLine> = []
            for (const { at, line } of observed.value.lines) {
              cursor++
              const marker = Protocol.parse(line)
              if (marker === undefined) {
                lines.push({ at, stream: "runner", line })
                continue
              }
              lines.push({ at, stream: "runner", line })
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
            if (Option.isSome(observed.value.ending)) {
              const event = Protocol.ended(
                observed.value.ending.value,
                { pushed, fault },
                { imageRef: specOf(row).imageRef, buildCommand: row.overrides.buildCommand },
              )
              const { row: after } = yield* decide(id, event)
              yield* runner.stop(job)
              if (after.status === "succeeded" && after.predeployStatus === "pending") yield* predeploy(after)
              else yield* report(after)
              return
            }
          }
          yield* Effect.sleep(options.pollMs)
        }
      })

      /** Runs the pre-deploy command against the pushed image; its failure fails the deployment before release. */
      const predeploy = Effect.fn("Pipeline.predeploy")(function* (built: BuildRow) {
        const command = built.overrides.preDeployCommand
        if (command === null) return yield* report(built)
        const spec: Job.PredeploySpec = {
          ...specOf(built),
          command,
          imageRef: built.imageRef ?? specOf(built).imageRef,
          imageDigest: built.imageDigest,
        }
        const job = jobOf(built, "predeploy")
        if (built.predeployStatus === "pending") {
          // exactly the release's variables; the projects service unreachable: tried again on the next pass
          const variables = yield* projects
            .GetReleaseVariables({ deploymentId: built.deploymentId })
            .pipe(Effect.result)
          if (variables._tag === "Failure") return
          const started = yield* runner.startPredeploy(spec, variables.success).pipe(Effect.result)
          if (started._tag === "Failure") return // tried again on the next pass
          yield* store.setPredeploy(built.id, "running", null)
          yield* system(built.id, `Pre-deploy command started: ${command}`)
        }
        const deadline = Date.now() + built.timeoutSeconds * 1000
        let cursor = 0
        while (true) {
          if (Date.now() > deadline) {
            yield* runner.stop(job)
            return yield* finishPredeploy(
              built.id,
              `The pre-deploy command \`${command}\` did not finish within ${Machine.formatDuration(built.timeoutSeconds)}; this release was not deployed and the previous one keeps serving.`,
            )
          }
          const observed = yield* runner.observe(job, cursor).pipe(Effect.option)
          if (Option.isSome(observed)) {
            cursor += observed.value.lines.length
            yield* logs.append(
              built.id,
              observed.value.lines.map(({ at, line }) => ({ at, stream: "predeploy" as const, line })),
            )
            if (Option.isSome(observed.value.ending)) {
              const ending = observed.value.ending.value
              yield* runner.stop(job)
              return yield* finishPredeploy(
                built.id,
                ending._tag === "Exited" && ending.exitCode === 0
                  ? null
                  : `The pre-deploy command \`${command}\` ${ending._tag === "Exited" ? `exited with code ${ending.exitCode}` : `did not run to the end (${ending.detail})`}; this release was not deployed and the previous one keeps serving. See the build log.`,
              )
            }
          }
          yield* Effect.sleep(options.pollMs)
        }
      })

      const finishPredeploy = Effect.fn("Pipeline.finishPredeploy")(function* (id: string, failure: string | null) {
        yield* store.setPredeploy(id, failure === null ? "succeeded" : "failed", failure)
        yield* system(id, failure ?? "Pre-deploy command succeeded; the release goes to the cluster.")
        yield* report(yield* fresh(id))
      })

      const track = (id: string, work: Effect.Effect<void, unknown>) =>
        Effect.gen(function* () {
          if (yield* FiberMap.has(fibers, id)) return
          yield* FiberMap.run(fibers, id, work.pipe(logFailure(`builds: supervising build ${id} failed`)), {
            onlyIfMissing: true,
          })
        })

      /** Creates attempt 1 for each deployment waiting for its build, with its service's limits and overrides. */
      const intake = Effect.fn("Pipeline.intake")(function* () {
        const waiting = yield* projects.ListBuildingDeployments({ limit: 500 })
        const waitingIds = new Set(waiting.map((w) => w.deployment.id))
        const built = yield* store.deploymentsWithBuilds([...waitingIds])
        for (const { workspaceId, plan, deployment } of waiting) {
          plans.set(workspaceId, plan)
          if (!built.has(deployment.id)) yield* create(workspaceId, plan, deployment)
        }
        // builds whose deployment stopped waiting (cancelled, or failed elsewhere) are called off
        for (const row of yield* store.withStatus(unfinished)) {
          if (waitingIds.has(row.deploymentId)) continue
          const deployment = yield* projects.GetDeployment({ deploymentId: row.deploymentId }).pipe(Effect.option)
          if (Option.isSome(deployment) && deployment.value.status === "building") continue
          const status = Option.match(deployment, { onNone: () => "deleted", onSome: (d) => d.status })
          yield* cancelRow(row, `Cancelled: its deployment is ${status}.`)
        }
      })

      const create = Effect.fn("Pipeline.create")(function* (
        workspaceId: string,
        plan: Identity.WorkspacePlan,
        deployment: DeploymentsApi.DeploymentView,
      ) {
        const source = deployment.snapshot.service.source
        const repoFullName = source.type === "repo" ? source.repoFullName : null
        const rootDirectory = source.type === "repo" ? source.rootDirectory : "/"
        const owner = repoFullName?.split("/")[0]?.toLowerCase()
        const installation = (yield* installations.list(workspaceId)).find(
          (i) => i.accountLogin.toLowerCase() === owner && i.status === "active",
        )
        const settings = yield* sql<{ readonly timeoutSeconds: number | null }>`
          SELECT timeout_seconds FROM service_build_settings WHERE service_id = ${deployment.serviceId}`.pipe(
          Effect.orDie,
        )
        const config = deployment.snapshot.config
        // a deploy made without a commit (from the API) builds the branch's head, as it is now
        const commitSha =
          deployment.commitSha ??
          (installation === undefined || source.type !== "repo"
            ? null
            : yield* installations.token(installation).pipe(
                Effect.flatMap((token) => github.commitOf(token, source.repoFullName, source.branch)),
                Effect.map(Option.getOrNull),
                Effect.orElseSucceed(() => null),
              ))
        const created = yield* store.create({
          deploymentId: deployment.id,
          projectId: deployment.projectId,
          environmentId: deployment.environmentId,
          serviceId: deployment.serviceId,
          workspaceId,
          attempt: 1,
          repoFullName,
          commitSha,
          rootDirectory,
          githubInstallationId: installation?.id ?? null,
          overrides: {
            buildCommand: config.buildCommand,
            startCommand: config.startCommand,
            preDeployCommand: config.preDeployCommand,
          },
          imageSizeLimitBytes: Policy.limits[plan].imageSizeLimitBytes,
          timeoutSeconds: Policy.timeoutFor(plan, settings[0]?.timeoutSeconds ?? null),
          notBefore: new Date(),
        })
        if (Option.isSome(created)) {
          yield* system(
            created.value.id,
            `Queued: ${repoFullName ?? "image"}@${deployment.commitSha?.slice(0, 12) ?? (source.type === "repo" ? source.branch : "")} for deploy #${deployment.number}.`,
          )
        }
      })

      /** Starts what the plans allow, oldest first; the others are told why they wait. */
      const admit = Effect.fn("Pipeline.admit")(function* () {
        const started = yield* store.withAdmissionLock(
          Effect.gen(function* () {
            const due = yield* store.due(200)
            const running = yield* store.runningPerWorkspace
            const candidates = due.map((row) => ({
              id: row.id,
              workspaceId: row.workspaceId ?? row.projectId,
              plan: plans.get(row.workspaceId ?? "") ?? ("hobby" as const),
            }))
            const { start, wait } = Policy.admit(candidates, running)
            for (const build of wait) yield* store.setWaiting(build.id, build.reason)
            const moved: Array<string> = []
            for (const build of start) {
              const row = due.find((r) => r.id === build.id)!
              if (
                yield* store.apply(row, { _tag: "Move", path: ["cloning"], failure: null, image: null, retry: false })
              )
                moved.push(build.id)
            }
            return moved
          }),
        )
        for (const id of started) yield* track(id, supervise(id))
      })

      /** Builds in progress with nobody watching them here (a restart): watched again. */
      const adopt = Effect.fn("Pipeline.adopt")(function* () {
        for (const row of yield* store.withStatus(["cloning", "building", "pushing"]))
          yield* track(row.id, supervise(row.id))
        for (const row of yield* store.withStatus(["succeeded"])) {
          if (row.predeployStatus === "pending" || row.predeployStatus === "running")
            yield* track(row.id, predeploy(row))
        }
        for (const row of yield* store.unreported) yield* report(row)
      })

      const pass = passLock.withPermits(1)(
        Effect.gen(function* () {
          yield* intake().pipe(logFailure("builds: intake failed"))
          yield* admit()
          yield* adopt()
        }),
      )

      const cancelRow = Effect.fn("Pipeline.cancelRow")(function* (row: BuildRow, reason: string) {
        const { decision } = yield* decide(row.id, { _tag: "Cancelled", reason })
        yield* FiberMap.remove(fibers, row.id)
        // the Job is deleted in the background: whoever cancelled need not wait for the cluster
        if (row.runnerJob !== null) yield* Effect.forkDetach(runner.stop(jobOf(row)))
        if (decision._tag === "Move") yield* store.markReported(row.id)
        return decision
      })

      const viewOf = (row: BuildRow) => Effect.map(store.transitions(row.id), (transitions) => view(row, transitions))

      yield* Effect.forkScoped(
        Effect.gen(function* () {
          while (true) {
            yield* pass.pipe(logFailure("builds: pipeline pass failed"))
            yield* wakeups.close
            yield* wakeups.await.pipe(Effect.timeoutOption(options.pollMs))
          }
        }),
      )

      return Pipeline.of({
        wake: wakeups.open,
        pass,
        cancelDeployment: Effect.fn("Pipeline.cancelDeployment")(function* (deploymentId, reason) {
          for (const row of yield* store.byDeployment(deploymentId)) {
            if (Machine.canMove(row.status, "cancelled")) yield* cancelRow(row, reason)
          }
        }),
        cancelBuild: Effect.fn("Pipeline.cancelBuild")(function* (buildId) {
          const found = yield* store.get(buildId)
          if (Option.isNone(found)) return yield* ApiErrors.NotFound.of("build", buildId)
          if (!Machine.canMove(found.value.status, "cancelled")) {
            return yield* new ApiErrors.Conflict({
              message: `Build ${buildId} is ${found.value.status}: only a queued or running build can be cancelled.`,
              field: "status",
            })
          }
          yield* cancelRow(found.value, "Cancelled by a person.")
          yield* projects
            .CancelDeployment({ deploymentId: found.value.deploymentId })
            .pipe(Effect.catchCause((cause) => Effect.logWarning("builds: cancelling the deployment failed", cause)))
          return yield* viewOf(yield* fresh(buildId))
        }),
        viewOf,
      })
    }),
  )
}
