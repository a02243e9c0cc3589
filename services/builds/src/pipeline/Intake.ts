import type { DeploymentsApi, Identity, Ids } from "@starform/domain"
import { Context, Effect, Layer, Option } from "effect"
import { GithubApp } from "../github/GithubApp.ts"
import { Installations } from "../github/Installations.ts"
import * as Policy from "../Policy.ts"
import { Projects } from "../Projects.ts"
import { BuildSettings } from "../store/BuildSettings.ts"
import { type BuildRecord, BuildStore, unfinished } from "../store/BuildStore.ts"
import { Decisions } from "./Decisions.ts"

/**
 * The first stage: the deployments the projects service says are waiting for their build (`building`) get attempt
 * 1, queued with their service's limits and overrides; builds whose deployment stopped waiting are named, to be
 * called off. Level-driven: what is already queued is left alone, so a pass may run any number of times, and a
 * pass over a few notified deployments may run beside a pass over all of them.
 */

/** The projects service could not be asked: the next pass asks again. */
export type ProjectsUnreachable = Effect.Error<ReturnType<Projects["Service"]["ListBuildingDeployments"]>>

export interface Taken {
  /** The plan of each workspace with a deployment waiting: admission's limits. */
  readonly plans: ReadonlyMap<string, Identity.WorkspacePlan>
  /** Unfinished builds whose deployment no longer waits for them, and why they are called off. */
  readonly calledOff: ReadonlyArray<{ readonly row: BuildRecord; readonly reason: string }>
}

/** Deployments taken in at once: a burst of pushes is queued faster than one by one, and most of the connection pool
 * (shared with the other services in one process) is left to the requests. */
const concurrency = 4

export class Intake extends Context.Service<
  Intake,
  {
    /** Every deployment waiting; with `only`, just those of these deployments (the ones projects notified). */
    readonly take: (only?: ReadonlyArray<Ids.DeploymentId>) => Effect.Effect<Taken, ProjectsUnreachable>
  }
>()("starform/builds/Intake") {
  static readonly layer = Layer.effect(
    Intake,
    Effect.gen(function* () {
      const projects = yield* Projects
      const store = yield* BuildStore
      const settings = yield* BuildSettings
      const installations = yield* Installations
      const github = yield* GithubApp
      const decisions = yield* Decisions

      const create = Effect.fn("Pipeline.create")(function* (
        workspaceId: string,
        plan: Identity.WorkspacePlan,
        deployment: DeploymentsApi.DeploymentView,
      ) {
        const source = deployment.snapshot.service.source
        const uploadId = deployment.snapshot.sourceUploadId ?? null
        // an uploaded folder is built as it is: no repository, no commit, no installation
        const repoFullName = source.type === "repo" && uploadId === null ? source.repoFullName : null
        const rootDirectory = source.type === "repo" && uploadId === null ? source.rootDirectory : "/"
        const owner = repoFullName?.split("/")[0]?.toLowerCase()
        const installation = (uploadId !== null ? [] : yield* installations.list(workspaceId)).find(
          (i) => i.accountLogin.toLowerCase() === owner && i.status === "active",
        )
        const config = deployment.snapshot.config
        // a deploy made without a commit (from the API) builds the branch's head, as it is now
        const commitSha =
          deployment.commitSha ??
          (installation === undefined || source.type !== "repo" || uploadId !== null
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
          sourceUploadId: uploadId,
          overrides: {
            buildCommand: config.buildCommand,
            startCommand: config.startCommand,
            preDeployCommand: config.preDeployCommand,
          },
          imageSizeLimitBytes: Policy.limits[plan].imageSizeLimitBytes,
          timeoutSeconds: Policy.timeoutFor(plan, yield* settings.timeoutOf(deployment.serviceId)),
        })
        if (Option.isSome(created)) {
          yield* decisions.note(
            created.value.id,
            uploadId !== null
              ? `Queued: the uploaded folder ${uploadId} for deploy #${deployment.number}.`
              : `Queued: ${repoFullName ?? "image"}@${deployment.commitSha?.slice(0, 12) ?? (source.type === "repo" ? source.branch : "")} for deploy #${deployment.number}.`,
          )
        }
      })

      return Intake.of({
        take: Effect.fn("Pipeline.intake")(function* (only?: ReadonlyArray<Ids.DeploymentId>) {
          const waiting = yield* projects.ListBuildingDeployments(
            only === undefined ? { limit: 500 } : { limit: Math.max(1, only.length), ids: only },
          )
          const waitingIds = new Set<string>(waiting.map((w) => w.deployment.id))
          const built = yield* store.deploymentsWithBuilds([...waitingIds])
          const plans = new Map<string, Identity.WorkspacePlan>(waiting.map((w) => [w.workspaceId, w.plan]))
          yield* Effect.forEach(
            waiting.filter((w) => !built.has(w.deployment.id)),
            ({ workspaceId, plan, deployment }) => create(workspaceId, plan, deployment),
            { concurrency, discard: true },
          )
          const stale = (yield* store.withStatus(unfinished, only)).filter((row) => !waitingIds.has(row.deploymentId))
          const calledOff = yield* Effect.forEach(
            stale,
            (row) =>
              Effect.map(
                projects.GetDeployment({ deploymentId: row.deploymentId }).pipe(Effect.option),
                (deployment) =>
                  Option.isSome(deployment) && deployment.value.status === "building"
                    ? []
                    : [
                        {
                          row,
                          reason: `Cancelled: its deployment is ${Option.match(deployment, { onNone: () => "deleted", onSome: (d) => d.status })}.`,
                        },
                      ],
              ),
            { concurrency },
          )
          return { plans, calledOff: calledOff.flat() }
        }),
      })
    }),
  )
}
