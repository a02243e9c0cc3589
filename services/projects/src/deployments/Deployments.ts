import type { DeploymentsApi, Deploys, Identity, Ids, ProjectsRpc } from "@starform/domain"
import { Context, Effect, Layer } from "effect"
import type { Invalid, Missing, NoClusterAvailable, Refused, ValidationFailed } from "../Errors.ts"
import { missing } from "../Errors.ts"
import { IdentityClient } from "../IdentityClient.ts"
import * as Views from "../Views.ts"
import { Lifecycle } from "./Lifecycle.ts"
import { type Push, Pushes } from "./Pushes.ts"
import { Releases } from "./Releases.ts"
import { DeploymentRepository } from "./Repository.ts"
import { Retention } from "./Retention.ts"

/**
 * The deployments of a service as the RPCs ask for them: each call is one of the folder's parts (`Releases` makes a
 * release, `Lifecycle` moves it and activates it, `Pushes` deploys a push), answered with the deployment's view.
 */

/** The area's own failures, and the variables' (still the API's errors) met while freezing a release. */
type Errors = Invalid | Missing | Refused | NoClusterAvailable | ValidationFailed

export class Deployments extends Context.Service<
  Deployments,
  {
    readonly list: (
      serviceId: string,
      limit: number,
    ) => Effect.Effect<ReadonlyArray<DeploymentsApi.DeploymentView>, Missing>
    readonly get: (deploymentId: string) => Effect.Effect<DeploymentsApi.DeploymentView, Missing>
    /** The release's snapshot variables, opened: for its pre-deploy Job only. */
    readonly releaseVariables: (deploymentId: string) => Effect.Effect<Record<string, string>, Missing>
    readonly create: (
      serviceId: string,
      request: DeploymentsApi.CreateDeploymentRequest,
      trigger: Deploys.DeploymentTrigger,
      createdBy: string | null,
    ) => Effect.Effect<DeploymentsApi.DeploymentView, Errors>
    readonly rollback: (
      deploymentId: string,
      createdBy: string | null,
    ) => Effect.Effect<DeploymentsApi.DeploymentView, Errors>
    readonly redeploy: (
      deploymentId: string,
      createdBy: string | null,
    ) => Effect.Effect<DeploymentsApi.DeploymentView, Errors>
    readonly cancel: (deploymentId: string) => Effect.Effect<DeploymentsApi.DeploymentView, Missing | Refused>
    readonly recordBuild: (
      deploymentId: string,
      outcome: ProjectsRpc.BuildOutcome,
    ) => Effect.Effect<DeploymentsApi.DeploymentView, Missing | Refused>
    /** Shuttle saw the release complete and ready: it becomes active and the previous one superseded. */
    readonly activate: (deploymentId: string) => Effect.Effect<void, Missing | Refused>
    /** Shuttle gave up on the rollout: the release fails with the reason; the previous one keeps serving. */
    readonly fail: (deploymentId: string, reason: string) => Effect.Effect<void, Missing | Refused>
    /** One step of the state machine, refused unless `DeploymentLifecycle` allows it. */
    readonly transition: (
      deploymentId: string,
      to: Deploys.DeploymentStatus,
      failureReason?: string,
    ) => Effect.Effect<DeploymentsApi.DeploymentView, Missing | Refused>
    readonly deployPush: (push: Push) => Effect.Effect<ReadonlyArray<DeploymentsApi.DeploymentView>>
    /**
     * Deployments waiting for their build, oldest first, with their workspace and its plan (asked of identity); with
     * `ids`, only those of them.
     */
    readonly listBuilding: (
      limit: number,
      ids?: ReadonlyArray<Ids.DeploymentId>,
    ) => Effect.Effect<
      ReadonlyArray<{
        readonly workspaceId: Ids.WorkspaceId
        readonly plan: Identity.WorkspacePlan
        readonly deployment: DeploymentsApi.DeploymentView
      }>
    >
    /** Turns auto-deploy off (with `reason`) or back on (where it was off for `reason`) for an owner's repositories. */
    readonly setAutoDeploy: Pushes["Service"]["setAutoDeploy"]
  }
>()("starform/projects/Deployments") {
  static readonly layer = Layer.effect(
    Deployments,
    Effect.gen(function* () {
      const repository = yield* DeploymentRepository
      const lifecycle = yield* Lifecycle
      const releases = yield* Releases
      const pushes = yield* Pushes
      const identity = yield* IdentityClient

      const get = (deploymentId: string) => Effect.map(repository.find(deploymentId), Views.deployment)
      const then = <E>(made: Effect.Effect<unknown, E>, deploymentId: string) => Effect.andThen(made, get(deploymentId))

      /** The plans of `workspaceIds` (one batched exchange); a workspace identity no longer has is left out. */
      const plansOf = (workspaceIds: ReadonlyArray<Ids.WorkspaceId>) =>
        Effect.forEach(
          [...new Set(workspaceIds)],
          (workspaceId) =>
            identity.GetWorkspace({ workspaceId }).pipe(
              Effect.map(
                (workspace): ReadonlyArray<readonly [Ids.WorkspaceId, Identity.WorkspacePlan]> => [
                  [workspaceId, workspace.plan],
                ],
              ),
              Effect.catchTag("NotFound", () => Effect.succeed([])),
            ),
          { concurrency: "unbounded" },
        ).pipe(
          Effect.map((found) => new Map(found.flat())),
          // builds polls again shortly: identity being down is a defect of this call, not a wrong answer
          Effect.orDie,
        )

      return Deployments.of({
        list: Effect.fn("Deployments.list")(function* (serviceId, limit) {
          if (!(yield* repository.serviceExists(serviceId))) return yield* missing("service", serviceId)
          return (yield* repository.listOfService(serviceId, limit)).map(Views.deployment)
        }),
        get,
        releaseVariables: releases.variables,
        create: (serviceId, request, trigger, createdBy) =>
          Effect.flatMap(releases.create(serviceId, request, trigger, createdBy), get),
        rollback: (deploymentId, createdBy) => Effect.flatMap(releases.rollback(deploymentId, createdBy), get),
        redeploy: (deploymentId, createdBy) => Effect.flatMap(releases.redeploy(deploymentId, createdBy), get),
        cancel: (deploymentId) => then(lifecycle.cancel(deploymentId), deploymentId),
        recordBuild: (deploymentId, outcome) => then(lifecycle.recordBuild(deploymentId, outcome), deploymentId),
        activate: lifecycle.activate,
        fail: lifecycle.fail,
        transition: (deploymentId, to, failureReason) =>
          then(lifecycle.transition(deploymentId, to, failureReason), deploymentId),
        deployPush: (push) =>
          Effect.flatMap(pushes.deploy(push), (ids) => Effect.forEach(ids, (id) => get(id).pipe(Effect.orDie))),
        listBuilding: Effect.fn("Deployments.listBuilding")(function* (limit, ids) {
          const building = yield* repository.building(limit, ids)
          if (building.length === 0) return []
          const plans = yield* plansOf(building.map((row) => row.workspaceId))
          return building.flatMap(({ workspaceId, deployment }) => {
            const plan = plans.get(workspaceId)
            return plan === undefined ? [] : [{ workspaceId, plan, deployment: Views.deployment(deployment) }]
          })
        }),
        setAutoDeploy: pushes.setAutoDeploy,
      })
    }),
  )

  /** The folder's parts, each on the ones below it. Needs `IdentityClient`, `Projects`, `Variables`, the feed. */
  static readonly layerWithParts = Deployments.layer.pipe(
    Layer.provideMerge(Pushes.layer),
    Layer.provideMerge(Releases.layer),
    Layer.provideMerge(Lifecycle.layer),
    Layer.provideMerge(Retention.layer),
    Layer.provideMerge(DeploymentRepository.layer),
  )
}
