import { BuildsRpc, type Deploys, type Ids } from "@starform/domain"
import { Context, Effect, Layer, Option } from "effect"
import { Releases } from "./Releases.ts"
import { DeploymentRepository } from "./Repository.ts"

/**
 * Deployments made for a GitHub push: every auto-deployed service built from the pushed repository and branch (the
 * environment's branch, else the service's own) whose root directory the push touched gets a new release of the
 * commit. A service the push cannot be deployed to is skipped with a warning; the others are deployed.
 */

export interface Push {
  readonly repoFullName: string
  readonly branch: string
  readonly commitSha: typeof Deploys.CommitSha.Type
  readonly commitMessage: string | null
  readonly workspaceId?: string
  readonly changedPaths?: ReadonlyArray<string> | null
}

export class Pushes extends Context.Service<
  Pushes,
  {
    /** The deployments made for the push. */
    readonly deploy: (push: Push) => Effect.Effect<ReadonlyArray<Ids.DeploymentId>>
    /** Turns auto-deploy off (with `reason`) or back on (where it was off for `reason`) for an owner's repositories. */
    readonly setAutoDeploy: DeploymentRepository["Service"]["setAutoDeploy"]
  }
>()("starform/projects/Pushes") {
  static readonly layer = Layer.effect(
    Pushes,
    Effect.gen(function* () {
      const repository = yield* DeploymentRepository
      const releases = yield* Releases
      return Pushes.of({
        deploy: Effect.fn("Pushes.deploy")(function* (push) {
          const candidates = yield* repository.pushTargets({
            repoFullName: push.repoFullName,
            branch: push.branch,
            workspaceId: push.workspaceId ?? null,
          })
          const targets = candidates.filter((target) =>
            BuildsRpc.pushTouches(target.rootDirectory, push.changedPaths ?? null),
          )
          const made: Array<Ids.DeploymentId> = []
          for (const target of targets) {
            const deployment = yield* releases
              .create(
                target.id,
                {
                  commitSha: push.commitSha,
                  ...(push.commitMessage === null ? {} : { commitMessage: push.commitMessage }),
                },
                "push",
                null,
              )
              .pipe(
                Effect.map(Option.some),
                Effect.catch((error) =>
                  Effect.logWarning(
                    `push to ${push.repoFullName}@${push.branch} not deployed to service ${target.id}: ${error.message}`,
                  ).pipe(Effect.as(Option.none())),
                ),
              )
            if (Option.isSome(deployment)) made.push(deployment.value)
          }
          return made
        }),
        setAutoDeploy: (change) => repository.setAutoDeploy(change),
      })
    }),
  )
}
