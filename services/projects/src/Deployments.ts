import { Catalog, FieldCrypto } from "@starform/crypto"
import {
  BuildsRpc,
  DeploymentLifecycle,
  type DeploymentsApi,
  type Deploys,
  type Identity,
  Ids,
  type ProjectsRpc,
} from "@starform/domain"
import { Context, Effect, Layer, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as AuditTrail from "./AuditTrail.ts"
import { type Conflict, conflict, invalid, type NotFound, notFound, type ValidationFailed } from "./Errors.ts"
import { DesiredStateFeed } from "./Feed.ts"
import { Projects } from "./Projects.ts"
import * as Snapshot from "./Snapshot.ts"
import { Variables } from "./Variables.ts"
import * as Views from "./Views.ts"

/**
 * Deployments and their state machine. Every change of status goes through `DeploymentLifecycle` (an illegal
 * one is refused) while the service's row is locked, which serialises the deploys of one service: at most one
 * is being built or rolled out, later ones wait `queued`, and when it ends the newest waiting one starts (older
 * waiting ones are cancelled, as they would only be replaced). A deployment that has an image skips the build.
 */

type Errors = ValidationFailed | NotFound | Conflict
type Status = Deploys.DeploymentStatus

interface ServiceLock extends Views.ServiceRow {
  readonly clusterId: Ids.ClusterId | null
  readonly workspaceId: string
  readonly deploymentRetention: number
  readonly environmentName: string
}

const inProgress: ReadonlyArray<Status> = ["building", "deploying"]

export class Deployments extends Context.Service<
  Deployments,
  {
    readonly list: (
      serviceId: string,
      limit: number,
    ) => Effect.Effect<ReadonlyArray<DeploymentsApi.DeploymentView>, NotFound>
    readonly get: (deploymentId: string) => Effect.Effect<DeploymentsApi.DeploymentView, NotFound>
    /** The release's snapshot variables, opened: for its pre-deploy Job only. */
    readonly releaseVariables: (deploymentId: string) => Effect.Effect<Record<string, string>, NotFound>
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
    readonly cancel: (deploymentId: string) => Effect.Effect<DeploymentsApi.DeploymentView, NotFound | Conflict>
    readonly recordBuild: (
      deploymentId: string,
      outcome: ProjectsRpc.BuildOutcome,
    ) => Effect.Effect<DeploymentsApi.DeploymentView, NotFound | Conflict>
    /** Shuttle saw the release complete and ready: it becomes active and the previous one superseded. */
    readonly markReady: (deploymentId: string) => Effect.Effect<void, NotFound | Conflict>
    /** Shuttle gave up on the rollout: the release fails with the reason; the previous one keeps serving. */
    readonly markFailed: (deploymentId: string, reason: string) => Effect.Effect<void, NotFound | Conflict>
    /** One step of the state machine, refused unless `DeploymentLifecycle` allows it. */
    readonly transition: (
      deploymentId: string,
      to: Status,
      failureReason?: string,
    ) => Effect.Effect<DeploymentsApi.DeploymentView, NotFound | Conflict>
    readonly deployPush: (push: {
      readonly repoFullName: string
      readonly branch: string
      readonly commitSha: string
      readonly commitMessage: string | null
      readonly workspaceId?: string
      readonly changedPaths?: ReadonlyArray<string> | null
    }) => Effect.Effect<ReadonlyArray<DeploymentsApi.DeploymentView>>
    /** Deployments waiting for their build, oldest first, with their workspace. */
    readonly listBuilding: (limit: number) => Effect.Effect<
      ReadonlyArray<{
        readonly workspaceId: Ids.WorkspaceId
        readonly plan: Identity.WorkspacePlan
        readonly deployment: DeploymentsApi.DeploymentView
      }>
    >
    /** Turns auto-deploy off (with `reason`) or back on (where it was off for `reason`) for an owner's repositories. */
    readonly setAutoDeploy: (change: {
      readonly workspaceId: string
      readonly repoOwner: string
      readonly enabled: boolean
      readonly reason: string
    }) => Effect.Effect<ReadonlyArray<Ids.ServiceId>>
  }
>()("starform/projects/Deployments") {
  static readonly layer = Layer.effect(
    Deployments,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const crypto = yield* FieldCrypto
      const feed = yield* DesiredStateFeed
      const projects = yield* Projects
      const variables = yield* Variables

      const transaction = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        sql.withTransaction(effect).pipe(Effect.catchTag("SqlError", Effect.die)) as Effect.Effect<
          A,
          Exclude<E, { readonly _tag: "SqlError" }>,
          R
        >

      const row = (deploymentId: string) =>
        sql<Views.DeploymentRow>`SELECT * FROM deployments WHERE id = ${deploymentId}`.pipe(
          Effect.orDie,
          Effect.flatMap((rows) =>
            rows[0] === undefined ? Effect.fail(notFound("deployment", deploymentId)) : Effect.succeed(rows[0]),
          ),
        )

      const get = (deploymentId: string) => Effect.map(row(deploymentId), Views.deployment)

      /** Locks the service's row for the rest of the transaction: deploys of one service take turns here. */
      const lock = (serviceId: string) =>
        sql<ServiceLock>`
          SELECT s.*, e.cluster_id, e.name AS environment_name, p.workspace_id, p.deployment_retention
          FROM services s JOIN environments e ON e.id = s.environment_id JOIN projects p ON p.id = s.project_id
          WHERE s.id = ${serviceId} FOR UPDATE OF s`.pipe(
          Effect.orDie,
          Effect.flatMap((rows) =>
            rows[0] === undefined ? Effect.fail(notFound("service", serviceId)) : Effect.succeed(rows[0]),
          ),
        )

      const touchAfterCommit = (clusterId: Ids.ClusterId | null) =>
        clusterId === null ? Effect.void : sql.afterCommit(feed.touch(clusterId))

      /** Moves one deployment, refusing what the lifecycle does not allow. */
      const move = Effect.fn("Deployments.move")(function* (
        current: Views.DeploymentRow,
        to: Status,
        fields: {
          readonly failureReason?: string | null
          readonly imageRef?: string
          readonly imageDigest?: string | null
        } = {},
      ) {
        if (!DeploymentLifecycle.canTransition(current.status, to)) {
          return yield* conflict(`Deploy #${current.number} is ${current.status}: it cannot become ${to}.`, "status")
        }
        const starts = to === "building" || (to === "deploying" && current.startedAt === null)
        const ends = to === "active" || to === "failed" || to === "cancelled"
        yield* sql`UPDATE deployments SET ${sql.update({
          status: to,
          ...(fields.failureReason !== undefined ? { failureReason: fields.failureReason } : {}),
          ...(fields.imageRef !== undefined ? { imageRef: fields.imageRef } : {}),
          ...(fields.imageDigest !== undefined ? { imageDigest: fields.imageDigest } : {}),
        })}, started_at = CASE WHEN ${starts} THEN coalesce(started_at, now()) ELSE started_at END,
          finished_at = CASE WHEN ${ends} THEN now() ELSE finished_at END
        WHERE id = ${current.id} AND status = ${current.status}`.pipe(Effect.orDie)
      })

      /** Starts the newest waiting deploy when none is in progress; older waiting ones are cancelled. */
      const advance = Effect.fn("Deployments.advance")(function* (serviceId: string) {
        const busy = yield* sql`
          SELECT 1 FROM deployments WHERE service_id = ${serviceId} AND ${sql.in("status", inProgress)}`.pipe(
          Effect.orDie,
        )
        if (busy.length > 0) return
        const waiting = yield* sql<Views.DeploymentRow>`
          SELECT * FROM deployments WHERE service_id = ${serviceId} AND status = 'queued' ORDER BY number DESC`.pipe(
          Effect.orDie,
        )
        const [next, ...older] = waiting
        if (next === undefined) return
        for (const stale of older) {
          yield* move(stale, "cancelled", { failureReason: `Replaced by deploy #${next.number} before it started.` })
        }
        yield* move(next, next.imageRef !== null ? "deploying" : "building")
      })

      /** Keeps the newest `deployment_retention` deployments of the service; what goes is written to the audit log. */
      const prune = Effect.fn("Deployments.prune")(function* (service: ServiceLock) {
        const pruned = yield* sql<{
          readonly id: string
          readonly number: number
          readonly status: string
          readonly imageRef: string | null
          readonly imageDigest: string | null
          readonly commitSha: string | null
        }>`
          DELETE FROM deployments d USING (
            SELECT id, row_number() OVER (ORDER BY number DESC) AS rank FROM deployments WHERE service_id = ${service.id}
          ) ranked
          WHERE d.id = ranked.id AND ranked.rank > ${service.deploymentRetention}
            AND d.status IN ('superseded', 'failed', 'cancelled')
          RETURNING d.id, d.number, d.status, d.image_ref, d.image_digest, d.commit_sha`.pipe(Effect.orDie)
        if (pruned.length === 0) return
        yield* AuditTrail.record(sql, {
          workspaceId: service.workspaceId,
          actor: null,
          action: "deployment.prune",
          targetType: "service",
          targetId: service.id,
          metadata: {
            projectId: service.projectId,
            environmentId: service.environmentId,
            retention: service.deploymentRetention,
            deployments: [...pruned].sort((a, b) => a.number - b.number),
          },
        }).pipe(Effect.orDie)
      })

      /** Writes a new queued deployment of the locked service and lets the state machine start it. */
      const enqueue = Effect.fn("Deployments.enqueue")(function* (
        service: ServiceLock,
        fields: {
          readonly trigger: Deploys.DeploymentTrigger
          readonly commitSha: string | null
          readonly commitMessage: string | null
          readonly imageRef: string | null
          readonly imageDigest: string | null
          readonly snapshot: unknown
          readonly variablesCiphertext: string | null
          readonly rollbackOfDeploymentId: string | null
          readonly createdBy: string | null
        },
      ) {
        const placed = yield* projects.ensurePlaced(service.environmentId)
        if (Option.isNone(placed)) {
          return yield* conflict(
            `No cluster is available to run environment ${service.environmentName}: Starform has no active cluster for this project's region yet.`,
          )
        }
        const numbers = yield* sql<{ readonly next: number }>`
          SELECT coalesce(max(number), 0) + 1 AS next FROM deployments WHERE service_id = ${service.id}`.pipe(
          Effect.orDie,
        )
        const id = Ids.newId("deployment")
        yield* sql`INSERT INTO deployments ${sql.insert({
          id,
          projectId: service.projectId,
          environmentId: service.environmentId,
          serviceId: service.id,
          number: numbers[0]!.next,
          status: "queued",
          trigger: fields.trigger,
          commitSha: fields.commitSha,
          commitMessage: fields.commitMessage,
          imageRef: fields.imageRef,
          imageDigest: fields.imageDigest,
          configSnapshot: JSON.stringify(fields.snapshot),
          variablesCiphertext: fields.variablesCiphertext,
          rollbackOfDeploymentId: fields.rollbackOfDeploymentId,
          createdBy: fields.createdBy,
        })}`.pipe(Effect.orDie)
        yield* advance(service.id)
        yield* touchAfterCommit(placed.value)
        return id
      })

      /** The service as it is now, frozen: configuration, and variables resolved and sealed together. */
      const freeze = Effect.fn("Deployments.freeze")(function* (service: ServiceLock) {
        const resolved = new Map([...(yield* variables.resolve(service.id))].sort(([a], [b]) => (a < b ? -1 : 1)))
        const variablesCiphertext = yield* crypto.encrypt(
          JSON.stringify(Object.fromEntries(resolved)),
          Catalog.deploymentVariables,
        )
        const snapshot = Snapshot.encode({
          service: {
            name: service.name,
            type: service.type,
            sourceType: service.sourceType,
            repoFullName: service.repoFullName,
            branch: service.branch,
            rootDirectory: service.rootDirectory,
            imageRef: service.imageRef,
            port: service.port,
            cronSchedule: service.cronSchedule,
            isPublic: service.isPublic,
          } as Snapshot.SnapshotService,
          config: Views.configOf(service),
          variableKeys: [...resolved.keys()],
        })
        return { snapshot, variablesCiphertext }
      })

      /** Ends a rollout the way Shuttle observed it, then starts the next waiting deploy. */
      const settle = (
        deploymentId: string,
        outcome: { readonly ready: true } | { readonly ready: false; readonly reason: string },
      ) =>
        transaction(
          Effect.gen(function* () {
            const current = yield* row(deploymentId)
            const service = yield* lock(current.serviceId)
            const fresh = yield* row(deploymentId)
            if (outcome.ready) {
              if (fresh.status === "active") return
              if (fresh.status !== "deploying") {
                return yield* conflict(`Deploy #${fresh.number} is ${fresh.status}: it cannot become active.`, "status")
              }
              const serving = yield* sql<Views.DeploymentRow>`
                SELECT * FROM deployments WHERE service_id = ${service.id} AND status = 'active'`.pipe(Effect.orDie)
              for (const previous of serving) yield* move(previous, "superseded")
              yield* move(fresh, "active", { failureReason: null })
              yield* prune(service)
            } else {
              if (fresh.status === "failed") return
              yield* move(fresh, "failed", { failureReason: outcome.reason })
            }
            yield* advance(service.id)
            yield* touchAfterCommit(service.clusterId)
          }),
        )

      const create: Deployments["Service"]["create"] = Effect.fn("Deployments.create")(
        function* (serviceId, request, trigger, createdBy) {
          const id = yield* transaction(
            Effect.gen(function* () {
              const service = yield* lock(serviceId)
              if (service.sourceType === "image" && request.commitSha !== undefined) {
                return yield* invalid(
                  "commitSha",
                  "source",
                  "must be left out: this service runs an image, it does not build a commit",
                )
              }
              if (
                service.sourceType === "repo" &&
                (request.imageRef !== undefined || request.imageDigest !== undefined)
              ) {
                return yield* invalid(
                  request.imageRef !== undefined ? "imageRef" : "imageDigest",
                  "source",
                  "must be left out: this service is built from its repository; deploy a commitSha instead",
                )
              }
              const frozen = yield* freeze(service)
              return yield* enqueue(service, {
                trigger,
                commitSha: request.commitSha ?? null,
                commitMessage: request.commitMessage ?? null,
                imageRef: service.sourceType === "image" ? (request.imageRef ?? service.imageRef) : null,
                imageDigest: service.sourceType === "image" ? (request.imageDigest ?? null) : null,
                ...frozen,
                rollbackOfDeploymentId: null,
                createdBy,
              })
            }),
          )
          return yield* get(id)
        },
      )

      return Deployments.of({
        list: Effect.fn("Deployments.list")(function* (serviceId, limit) {
          const services = yield* sql`SELECT 1 FROM services WHERE id = ${serviceId}`.pipe(Effect.orDie)
          if (services.length === 0) return yield* notFound("service", serviceId)
          const rows = yield* sql<Views.DeploymentRow>`
            SELECT * FROM deployments WHERE service_id = ${serviceId} ORDER BY number DESC LIMIT ${limit}`.pipe(
            Effect.orDie,
          )
          return rows.map(Views.deployment)
        }),

        get,

        create,

        rollback: Effect.fn("Deployments.rollback")(function* (deploymentId, createdBy) {
          const target = yield* row(deploymentId)
          const id = yield* transaction(
            Effect.gen(function* () {
              const service = yield* lock(target.serviceId)
              const fresh = yield* row(deploymentId)
              if (fresh.status === "active") {
                return yield* conflict(
                  `Deploy #${fresh.number} is already serving: there is nothing to roll back to it from.`,
                )
              }
              if (fresh.status !== "superseded" || fresh.imageRef === null) {
                return yield* conflict(
                  `Deploy #${fresh.number} never served (it is ${fresh.status}): roll back to a release that was active before.`,
                )
              }
              // the earlier release's image and frozen configuration, as they are: nothing is rebuilt or re-resolved
              return yield* enqueue(service, {
                trigger: "rollback",
                commitSha: fresh.commitSha,
                commitMessage: fresh.commitMessage,
                imageRef: fresh.imageRef,
                imageDigest: fresh.imageDigest,
                snapshot: fresh.configSnapshot,
                variablesCiphertext: fresh.variablesCiphertext,
                rollbackOfDeploymentId: fresh.id,
                createdBy,
              })
            }),
          )
          return yield* get(id)
        }),

        redeploy: Effect.fn("Deployments.redeploy")(function* (deploymentId, createdBy) {
          const target = yield* row(deploymentId)
          const id = yield* transaction(
            Effect.gen(function* () {
              const service = yield* lock(target.serviceId)
              const frozen = yield* freeze(service)
              return yield* enqueue(service, {
                trigger: "redeploy",
                commitSha: target.commitSha,
                commitMessage: target.commitMessage,
                imageRef: target.imageRef,
                imageDigest: target.imageDigest,
                ...frozen,
                rollbackOfDeploymentId: null,
                createdBy,
              })
            }),
          )
          return yield* get(id)
        }),

        cancel: Effect.fn("Deployments.cancel")(function* (deploymentId) {
          const target = yield* row(deploymentId)
          yield* transaction(
            Effect.gen(function* () {
              const service = yield* lock(target.serviceId)
              const fresh = yield* row(deploymentId)
              if (fresh.status === "active") {
                return yield* conflict(
                  `Deploy #${fresh.number} is serving: roll back to an earlier release or deploy a new one instead.`,
                  "status",
                )
              }
              yield* move(fresh, "cancelled", { failureReason: "Cancelled." })
              yield* advance(service.id)
              yield* touchAfterCommit(service.clusterId)
            }),
          )
          return yield* get(deploymentId)
        }),

        recordBuild: Effect.fn("Deployments.recordBuild")(function* (deploymentId, outcome) {
          const target = yield* row(deploymentId)
          yield* transaction(
            Effect.gen(function* () {
              const service = yield* lock(target.serviceId)
              const fresh = yield* row(deploymentId)
              if (fresh.status !== "building") {
                return yield* conflict(
                  `Deploy #${fresh.number} is ${fresh.status}, not building: its build result is not needed.`,
                  "status",
                )
              }
              if (outcome._tag === "Succeeded") {
                yield* move(fresh, "deploying", { imageRef: outcome.imageRef, imageDigest: outcome.imageDigest })
              } else {
                yield* move(fresh, "failed", { failureReason: `Build failed: ${outcome.reason}` })
                yield* advance(service.id)
              }
              yield* touchAfterCommit(service.clusterId)
            }),
          )
          return yield* get(deploymentId)
        }),

        markReady: (deploymentId) => settle(deploymentId, { ready: true }),

        markFailed: (deploymentId, reason) => settle(deploymentId, { ready: false, reason }),

        transition: Effect.fn("Deployments.transition")(function* (deploymentId, to, failureReason) {
          const target = yield* row(deploymentId)
          yield* transaction(
            Effect.gen(function* () {
              const service = yield* lock(target.serviceId)
              const fresh = yield* row(deploymentId)
              yield* move(fresh, to, failureReason === undefined ? {} : { failureReason })
              yield* touchAfterCommit(service.clusterId)
            }),
          )
          return yield* get(deploymentId)
        }),

        deployPush: Effect.fn("Deployments.deployPush")(function* (push) {
          const candidates = yield* sql<{ readonly id: string; readonly rootDirectory: string }>`
            SELECT s.id, s.root_directory FROM services s JOIN environments e ON e.id = s.environment_id
              JOIN projects p ON p.id = s.project_id
            WHERE s.source_type = 'repo' AND s.repo_full_name = ${push.repoFullName} AND s.auto_deploy
              AND (e.git_branch = ${push.branch} OR (e.git_branch IS NULL AND s.branch = ${push.branch}))
              AND (${push.workspaceId ?? null}::text IS NULL OR p.workspace_id = ${push.workspaceId ?? null})
            ORDER BY s.id`.pipe(Effect.orDie)
          const targets = candidates.filter((target) =>
            BuildsRpc.pushTouches(target.rootDirectory, push.changedPaths ?? null),
          )
          const made: Array<DeploymentsApi.DeploymentView> = []
          for (const target of targets) {
            const deployment = yield* create(
              target.id,
              {
                commitSha: push.commitSha as Deploys.Deployment["commitSha"] & string,
                ...(push.commitMessage === null ? {} : { commitMessage: push.commitMessage }),
              },
              "push",
              null,
            ).pipe(
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

        releaseVariables: Effect.fn("Deployments.releaseVariables")(function* (deploymentId) {
          const release = yield* row(deploymentId)
          return yield* Effect.orDie(
            Snapshot.openVariables(crypto, Snapshot.decode(release.configSnapshot), release.variablesCiphertext),
          )
        }),

        listBuilding: Effect.fn("Deployments.listBuilding")(function* (limit) {
          const rows = yield* sql<
            Views.DeploymentRow & { readonly workspaceId: Ids.WorkspaceId; readonly plan: Identity.WorkspacePlan }
          >`
            SELECT d.*, p.workspace_id, w.plan FROM deployments d JOIN projects p ON p.id = d.project_id
              JOIN workspaces w ON w.id = p.workspace_id
            WHERE d.status = 'building' ORDER BY d.started_at, d.id LIMIT ${limit}`.pipe(Effect.orDie)
          return rows.map((row) => ({
            workspaceId: row.workspaceId,
            plan: row.plan,
            deployment: Views.deployment(row),
          }))
        }),

        setAutoDeploy: Effect.fn("Deployments.setAutoDeploy")(function* (change) {
          const owned = sql`s.repo_full_name ILIKE ${`${change.repoOwner.replace(/[\\%_]/g, "\\$&")}/%`}`
          const rows = yield* (
            change.enabled
              ? sql<{ readonly id: Ids.ServiceId }>`
                  UPDATE services s SET auto_deploy = true, auto_deploy_disabled_reason = NULL FROM projects p
                  WHERE p.id = s.project_id AND p.workspace_id = ${change.workspaceId} AND ${owned}
                    AND NOT s.auto_deploy AND s.auto_deploy_disabled_reason = ${change.reason}
                  RETURNING s.id`
              : sql<{ readonly id: Ids.ServiceId }>`
                  UPDATE services s SET auto_deploy = false, auto_deploy_disabled_reason = ${change.reason} FROM projects p
                  WHERE p.id = s.project_id AND p.workspace_id = ${change.workspaceId} AND ${owned}
                    AND s.source_type = 'repo' AND s.auto_deploy
                  RETURNING s.id`
          ).pipe(Effect.orDie)
          return rows.map((row) => row.id)
        }),
      })
    }),
  )
}
