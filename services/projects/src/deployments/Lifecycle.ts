import { DeploymentLifecycle, type Deploys, type Ids, type ProjectsRpc } from "@starform/domain"
import { Context, Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { type Missing, type Refused, refused } from "../Errors.ts"
import { DesiredStateFeed } from "../Feed.ts"
import { type Deployment, DeploymentRepository } from "./Repository.ts"
import { Retention } from "./Retention.ts"

/**
 * Every change of a deployment's status, and where a release becomes **active**. Each goes through
 * `DeploymentLifecycle` (an illegal one is refused) while the service's row is locked, which serialises the deploys of
 * one service: at most one is being built or rolled out, later ones wait `queued`, and when it ends the newest waiting
 * one starts (older waiting ones are cancelled, as they would only be replaced). A deployment that has an image skips
 * the build. The cluster's desired state is rebuilt once the change has committed.
 */

type Status = Deploys.DeploymentStatus

export class Lifecycle extends Context.Service<
  Lifecycle,
  {
    /** Moves one deployment (read in this transaction), refusing what the lifecycle does not allow. */
    readonly move: (
      current: Deployment,
      to: Status,
      fields?: {
        readonly failureReason?: string | null
        readonly imageRef?: string
        readonly imageDigest?: string | null
      },
    ) => Effect.Effect<void, Refused>
    /** Starts the newest waiting deploy of the (locked) service when none is in progress; older waiting ones go. */
    readonly advance: (serviceId: string) => Effect.Effect<void, Refused>
    /** Rebuilds the cluster's desired state once the current transaction has committed. */
    readonly touchAfterCommit: (clusterId: Ids.ClusterId | null) => Effect.Effect<void>
    /**
     * Shuttle saw the release complete and ready: it becomes the service's active release, the one serving before it
     * is superseded, and history beyond the project's retention is pruned.
     */
    readonly activate: (deploymentId: string) => Effect.Effect<void, Missing | Refused>
    /** Shuttle gave up on the rollout: the release fails with the reason; the previous one keeps serving. */
    readonly fail: (deploymentId: string, reason: string) => Effect.Effect<void, Missing | Refused>
    readonly cancel: (deploymentId: string) => Effect.Effect<void, Missing | Refused>
    /** The build's outcome: a built image is rolled out; a failed build fails the deployment. */
    readonly recordBuild: (
      deploymentId: string,
      outcome: ProjectsRpc.BuildOutcome,
    ) => Effect.Effect<void, Missing | Refused>
    /** One step of the state machine, refused unless `DeploymentLifecycle` allows it. */
    readonly transition: (
      deploymentId: string,
      to: Status,
      failureReason?: string,
    ) => Effect.Effect<void, Missing | Refused>
  }
>()("starform/projects/Lifecycle") {
  static readonly layer = Layer.effect(
    Lifecycle,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const repository = yield* DeploymentRepository
      const feed = yield* DesiredStateFeed
      const retention = yield* Retention

      const touchAfterCommit = (clusterId: Ids.ClusterId | null) =>
        clusterId === null ? Effect.void : sql.afterCommit(feed.touch(clusterId))

      const move: Lifecycle["Service"]["move"] = Effect.fn("Lifecycle.move")(function* (current, to, fields = {}) {
        if (!DeploymentLifecycle.canTransition(current.status, to)) {
          return yield* refused(`Deploy #${current.number} is ${current.status}: it cannot become ${to}.`, "status")
        }
        yield* repository.setStatus(current, {
          to,
          starts: to === "building" || (to === "deploying" && current.startedAt === null),
          ends: to === "active" || to === "failed" || to === "cancelled",
          ...fields,
        })
      })

      const advance = Effect.fn("Lifecycle.advance")(function* (serviceId: string) {
        if (yield* repository.inProgress(serviceId)) return
        const [next, ...older] = yield* repository.waiting(serviceId)
        if (next === undefined) return
        for (const stale of older) {
          yield* move(stale, "cancelled", { failureReason: `Replaced by deploy #${next.number} before it started.` })
        }
        yield* move(next, next.imageRef !== null ? "deploying" : "building")
      })

      /** `change` on the deployment re-read under its service's lock, in one transaction. */
      const locked = <A, E>(
        deploymentId: string,
        change: (fresh: Deployment, clusterId: Ids.ClusterId | null) => Effect.Effect<A, E>,
      ) =>
        Effect.gen(function* () {
          const target = yield* repository.find(deploymentId)
          return yield* repository.transaction(
            Effect.gen(function* () {
              const service = yield* repository.lock(target.serviceId)
              const fresh = yield* repository.find(deploymentId)
              return yield* change(fresh, service.clusterId)
            }),
          )
        })

      const activate = Effect.fn("Lifecycle.activate")(function* (deploymentId: string) {
        const activated = yield* locked(deploymentId, (fresh, clusterId) =>
          Effect.gen(function* () {
            if (fresh.status === "active") return false
            if (fresh.status !== "deploying") {
              return yield* refused(`Deploy #${fresh.number} is ${fresh.status}: it cannot become active.`, "status")
            }
            for (const previous of yield* repository.serving(fresh.serviceId)) yield* move(previous, "superseded")
            yield* move(fresh, "active", { failureReason: null })
            yield* advance(fresh.serviceId)
            yield* touchAfterCommit(clusterId)
            return true
          }),
        )
        if (activated) {
          const target = yield* repository.find(deploymentId)
          // history is pruned after the release is serving: identity being down delays pruning, never an activation
          yield* retention
            .prune(target.serviceId)
            .pipe(
              Effect.catchTag("AuditNotRecorded", (error) =>
                Effect.logWarning(`deployment history of service ${target.serviceId} not pruned: ${error.message}`),
              ),
            )
        }
      })

      return Lifecycle.of({
        move,
        advance,
        touchAfterCommit,
        activate,

        fail: Effect.fn("Lifecycle.fail")(function* (deploymentId, reason) {
          yield* locked(deploymentId, (fresh, clusterId) =>
            Effect.gen(function* () {
              if (fresh.status === "failed") return
              yield* move(fresh, "failed", { failureReason: reason })
              yield* advance(fresh.serviceId)
              yield* touchAfterCommit(clusterId)
            }),
          )
        }),

        cancel: Effect.fn("Lifecycle.cancel")(function* (deploymentId) {
          yield* locked(deploymentId, (fresh, clusterId) =>
            Effect.gen(function* () {
              if (fresh.status === "active") {
                return yield* refused(
                  `Deploy #${fresh.number} is serving: roll back to an earlier release or deploy a new one instead.`,
                  "status",
                )
              }
              yield* move(fresh, "cancelled", { failureReason: "Cancelled." })
              yield* advance(fresh.serviceId)
              yield* touchAfterCommit(clusterId)
            }),
          )
        }),

        recordBuild: Effect.fn("Lifecycle.recordBuild")(function* (deploymentId, outcome) {
          yield* locked(deploymentId, (fresh, clusterId) =>
            Effect.gen(function* () {
              if (fresh.status !== "building") {
                return yield* refused(
                  `Deploy #${fresh.number} is ${fresh.status}, not building: its build result is not needed.`,
                  "status",
                )
              }
              if (outcome._tag === "Succeeded") {
                yield* move(fresh, "deploying", { imageRef: outcome.imageRef, imageDigest: outcome.imageDigest })
              } else {
                yield* move(fresh, "failed", { failureReason: `Build failed: ${outcome.reason}` })
                yield* advance(fresh.serviceId)
              }
              yield* touchAfterCommit(clusterId)
            }),
          )
        }),

        transition: Effect.fn("Lifecycle.transition")(function* (deploymentId, to, failureReason) {
          yield* locked(deploymentId, (fresh, clusterId) =>
            Effect.gen(function* () {
              yield* move(fresh, to, failureReason === undefined ? {} : { failureReason })
              yield* touchAfterCommit(clusterId)
            }),
          )
        }),
      })
    }),
  )
}
