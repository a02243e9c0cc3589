import { ApiErrors, type BuildsApi, type Identity, type Ids } from "@starform/domain"
import { Array as Arr, Cause, Context, Effect, FiberMap, Layer, Schedule, Semaphore } from "effect"
import * as Machine from "../Machine.ts"
import { Projects } from "../Projects.ts"
import { Runner } from "../runner/Runner.ts"
import { BuildSettings } from "../store/BuildSettings.ts"
import { type BuildRecord, BuildStore, view } from "../store/BuildStore.ts"
import { Admission } from "./Admission.ts"
import { Decisions } from "./Decisions.ts"
import * as DeploymentNotifications from "./DeploymentNotifications.ts"
import { Intake } from "./Intake.ts"
import { PipelineOptionsService } from "./Options.ts"
import { PreDeploy } from "./PreDeploy.ts"
import { Report } from "./Report.ts"
import { jobOf } from "./Specs.ts"
import { Supervision } from "./Supervision.ts"
import { Wakeups } from "./Wakeups.ts"

export { channel } from "./DeploymentNotifications.ts"
export { defaultOptions, type PipelineOptions, PipelineOptionsService } from "./Options.ts"

/**
 * The build pipeline, level-driven like Shuttle. Each pass runs its stages in order: intake (deployments waiting
 * for a build get one), admission (queued builds start as the plans allow), then supervision of what runs (one
 * fiber per build, keyed by its id), whose builds go on to the pre-deploy command and the report. A pass runs
 * every `pollMs`, when the listening connection is (re)made, and when a caller wakes it. Between passes, projects'
 * notifications are taken in one deployment at a time (`lane`), and admission runs on its own when a slot may have
 * freed (a build ended, a retry is due, a build was queued). Everything it decides is in the database, so a
 * restarted pipeline picks up where the last one stopped.
 */

/** Logs a failure and carries on; an interruption (the service stopping) is not a failure and goes through. */
const logFailure =
  (message: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A | undefined, never, R> =>
    Effect.catchCause(effect, (cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Effect.as(Effect.logWarning(message, cause), undefined),
    )

/** Lanes taking in notified deployments at once; how many deployments one call to projects names (its limit is 1000). */
const lanes = 2
const notifiedPerCall = 500

export class Pipeline extends Context.Service<
  Pipeline,
  {
    /** Runs a pass now (over every waiting deployment and every build in progress). */
    readonly wake: Effect.Effect<void>
    /** One pass, awaited: tests drive the pipeline with it. */
    readonly pass: Effect.Effect<void>
    /** Cancels the deployment's unfinished build (its deployment is being cancelled by the caller). */
    readonly cancelDeployment: (deploymentId: string, reason: string) => Effect.Effect<void>
    /** A person cancels a build: the build and its deployment are cancelled. */
    readonly cancelBuild: (
      buildId: string,
    ) => Effect.Effect<BuildsApi.BuildView, ApiErrors.NotFound | ApiErrors.Conflict>
    readonly viewOf: (row: BuildRecord) => Effect.Effect<BuildsApi.BuildView>
  }
>()("starform/builds/Pipeline") {
  private static readonly make = Effect.gen(function* () {
    const options = yield* PipelineOptionsService
    const store = yield* BuildStore
    const runner = yield* Runner
    const projects = yield* Projects
    const wakeups = yield* Wakeups
    const decisions = yield* Decisions
    const intake = yield* Intake
    const admission = yield* Admission
    const supervision = yield* Supervision
    const predeploy = yield* PreDeploy
    const { report } = yield* Report
    const fibers = yield* FiberMap.make<string>()
    // what intake last learned of each workspace's plan; admission's limits if the projects service is unreachable
    const plans = new Map<string, Identity.WorkspacePlan>()
    const passLock = yield* Semaphore.make(1)

    const track = (id: string, work: Effect.Effect<void, unknown>) =>
      FiberMap.run(fibers, id, work.pipe(logFailure(`builds: supervising build ${id} failed`)), {
        onlyIfMissing: true,
      }).pipe(Effect.asVoid)

    const cancelRow = Effect.fn("Pipeline.cancelRow")(function* (row: BuildRecord, reason: string) {
      const { decision } = yield* decisions.decide(row.id, { _tag: "Cancelled", reason })
      yield* FiberMap.remove(fibers, row.id)
      // the Job is deleted in the background: whoever cancelled need not wait for the cluster
      if (row.runnerJob !== null) yield* Effect.forkDetach(runner.stop(jobOf(options.registry, row)))
      if (decision._tag === "Move") yield* store.markReported(row.id)
    })

    const take = Effect.fn("Pipeline.take")(function* (only?: ReadonlyArray<Ids.DeploymentId>) {
      const taken = yield* intake.take(only)
      for (const [workspaceId, plan] of taken.plans) plans.set(workspaceId, plan)
      yield* Effect.forEach(taken.calledOff, ({ row, reason }) => cancelRow(row, reason), {
        concurrency: 4,
        discard: true,
      })
    })

    /** Builds in progress with nobody watching them here (a restart), and endings nobody was told of. */
    const adopt = Effect.gen(function* () {
      for (const row of yield* store.withStatus(["cloning", "building", "pushing"]))
        yield* track(row.id, supervision.supervise(row.id))
      for (const row of yield* store.predeploysUnfinished()) yield* track(row.id, predeploy.run(row))
      for (const row of yield* store.unreported())
        yield* report(row.id).pipe(logFailure(`builds: reporting build ${row.id} failed`))
    })

    /** Starts what may start: after a pass's intake, a build ended, a notified deployment was queued. */
    const admit = Effect.gen(function* () {
      for (const id of yield* admission.admit(plans)) yield* track(id, supervision.supervise(id))
    })

    const pass = passLock.withPermits(1)(
      Effect.gen(function* () {
        yield* take().pipe(logFailure("builds: intake failed"))
        yield* admit
        yield* adopt
      }),
    )

    /**
     * A lane takes in the deployments projects notified, beside the pass rather than behind it: a pass lists every
     * waiting deployment and may be long (a burst of pushes), while a person's deploy wants its build started now.
     * Each lane takes everything notified so far: while one works through a burst's round, the other takes the next
     * notification at once. Intake is safe to run twice at once (a build is queued once per attempt), and admission
     * holds its lock.
     */
    const lane = Effect.gen(function* () {
      const notified = yield* wakeups.nextNotified
      for (const only of Arr.chunksOf(notified, notifiedPerCall))
        yield* take(only).pipe(logFailure("builds: intake of notified deployments failed"))
      yield* wakeups.admit
    })

    yield* Effect.forkScoped(
      pass.pipe(
        logFailure("builds: pipeline pass failed"),
        Effect.andThen(wakeups.next(options.pollMs)),
        Effect.repeat(Schedule.forever),
      ),
    )
    yield* Effect.forkScoped(
      wakeups.nextAdmission.pipe(
        Effect.andThen(admit),
        logFailure("builds: admission failed"),
        Effect.repeat(Schedule.forever),
      ),
    )
    for (let i = 0; i < lanes; i++) yield* Effect.forkScoped(lane.pipe(Effect.repeat(Schedule.forever)))

    const viewOf = (row: BuildRecord) => Effect.map(store.transitions(row.id), (transitions) => view(row, transitions))

    return Pipeline.of({
      wake: wakeups.wake,
      pass,
      cancelDeployment: Effect.fn("Pipeline.cancelDeployment")(function* (deploymentId, reason) {
        for (const row of yield* store.byDeployment(deploymentId)) {
          if (Machine.canMove(row.status, "cancelled"))
            yield* cancelRow(row, reason).pipe(Effect.catchTag("BuildGone", () => Effect.void))
        }
      }),
      cancelBuild: Effect.fn("Pipeline.cancelBuild")(function* (buildId) {
        const notFound = () => ApiErrors.NotFound.of("build", buildId)
        const found = yield* decisions.fresh(buildId).pipe(Effect.catchTag("BuildGone", () => Effect.fail(notFound())))
        if (!Machine.canMove(found.status, "cancelled")) {
          return yield* new ApiErrors.Conflict({
            message: `Build ${buildId} is ${found.status}: only a queued or running build can be cancelled.`,
            field: "status",
          })
        }
        yield* cancelRow(found, "Cancelled by a person.").pipe(
          Effect.catchTag("BuildGone", () => Effect.fail(notFound())),
        )
        yield* projects
          .CancelDeployment({ deploymentId: found.deploymentId })
          .pipe(Effect.catchCause((cause) => Effect.logWarning("builds: cancelling the deployment failed", cause)))
        const after = yield* decisions.fresh(buildId).pipe(Effect.catchTag("BuildGone", () => Effect.fail(notFound())))
        return yield* viewOf(after)
      }),
      viewOf,
    })
  })

  /** The pipeline and its stages; it runs while the layer lives. */
  static readonly layer = Layer.effect(Pipeline, Pipeline.make).pipe(
    Layer.provide(
      Layer.mergeAll(Intake.layer, Admission.layer, Supervision.layer).pipe(
        Layer.provideMerge(PreDeploy.layer),
        Layer.provideMerge(Report.layer),
        Layer.provideMerge(Decisions.layer),
        Layer.provideMerge(Layer.merge(BuildSettings.layer, DeploymentNotifications.layer)),
        Layer.provideMerge(Wakeups.layer),
      ),
    ),
  )
}
