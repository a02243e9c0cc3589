import { Sql } from "@starform/db"
import { Deploys, Ids, Names, Projects } from "@starform/domain"
import { Context, Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { type Missing, missing } from "../Errors.ts"

/**
 * Deployments' rows in and out: every statement on `deployments` (and the service row deploys take turns on), each
 * row decoded with its schema. A database failure is a defect, turned so once here (`Sql.edge`); statements run in
 * the caller's transaction when there is one (`transaction`).
 */

/** A deployment as stored (`deployments`), with its release's variables, sealed (opened only for its release). */
export const Deployment = Schema.Struct({
  ...Deploys.Deployment.fields,
  variablesCiphertext: Schema.NullOr(Schema.String),
})
export type Deployment = typeof Deployment.Type

/** The service whose deploys are being changed, locked, with what a deploy needs of its environment and project. */
export const LockedService = Schema.Struct({
  ...Projects.Service.fields,
  clusterId: Schema.NullOr(Ids.ClusterId),
  environmentName: Names.EnvironmentName,
  workspaceId: Ids.WorkspaceId,
  deploymentRetention: Projects.DeploymentRetention,
})
export type LockedService = typeof LockedService.Type

/** What the audit log keeps of a pruned deployment. */
export const Pruned = Schema.Struct({
  id: Ids.DeploymentId,
  number: Schema.Int,
  status: Deploys.DeploymentStatus,
  imageRef: Schema.NullOr(Schema.String),
  imageDigest: Schema.NullOr(Schema.String),
  commitSha: Schema.NullOr(Schema.String),
})
export type Pruned = typeof Pruned.Type

const Building = Schema.Struct({ ...Deployment.fields, workspaceId: Ids.WorkspaceId })
const PushTarget = Schema.Struct({ id: Ids.ServiceId, rootDirectory: Projects.RootDirectory })
const ServiceIdRow = Schema.Struct({ id: Ids.ServiceId })
const NextNumber = Schema.Struct({ next: Schema.Int })

/** The columns a new deployment is written with; the rest are the database's defaults. */
export interface NewDeployment {
  readonly service: LockedService
  readonly trigger: Deploys.DeploymentTrigger
  readonly commitSha: string | null
  readonly commitMessage: string | null
  readonly imageRef: string | null
  readonly imageDigest: string | null
  readonly snapshot: unknown
  readonly variablesCiphertext: string | null
  readonly rollbackOfDeploymentId: string | null
  readonly createdBy: string | null
}

/** A change of status with the columns that change with it. */
export interface StatusChange {
  readonly to: Deploys.DeploymentStatus
  readonly starts: boolean
  readonly ends: boolean
  readonly failureReason?: string | null
  readonly imageRef?: string
  readonly imageDigest?: string | null
}

const decodeDeployments = Sql.decodeRows(Deployment)

export class DeploymentRepository extends Context.Service<
  DeploymentRepository,
  {
    /** `effect` in one transaction; a database failure (the commit's included) is a defect. */
    readonly transaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
    readonly find: (deploymentId: string) => Effect.Effect<Deployment, Missing>
    /** Locks the service's row for the rest of the transaction: deploys of one service take turns here. */
    readonly lock: (serviceId: string) => Effect.Effect<LockedService, Missing>
    readonly serviceExists: (serviceId: string) => Effect.Effect<boolean>
    readonly listOfService: (serviceId: string, limit: number) => Effect.Effect<ReadonlyArray<Deployment>>
    /** Whether one of the service's deployments is being built or rolled out. */
    readonly inProgress: (serviceId: string) => Effect.Effect<boolean>
    /** The service's queued deployments, newest first. */
    readonly waiting: (serviceId: string) => Effect.Effect<ReadonlyArray<Deployment>>
    /** The service's active deployment (at most one). */
    readonly serving: (serviceId: string) => Effect.Effect<ReadonlyArray<Deployment>>
    /** Writes the change if the deployment is still in the status it was read in. */
    readonly setStatus: (current: Deployment, change: StatusChange) => Effect.Effect<void>
    /** A new queued deployment, numbered after the service's last one. */
    readonly insert: (deployment: NewDeployment) => Effect.Effect<Ids.DeploymentId>
    /** Deletes the service's ended deployments beyond its newest `deploymentRetention`; what was deleted. */
    readonly prune: (service: LockedService) => Effect.Effect<ReadonlyArray<Pruned>>
    /** Deployments waiting for their build, oldest first, with their project's workspace; with `ids`, only those. */
    readonly building: (
      limit: number,
      ids?: ReadonlyArray<Ids.DeploymentId>,
    ) => Effect.Effect<ReadonlyArray<{ readonly workspaceId: Ids.WorkspaceId; readonly deployment: Deployment }>>
    /** The auto-deployed repository services a push to `branch` of `repoFullName` deploys (by their branch). */
    readonly pushTargets: (push: {
      readonly repoFullName: string
      readonly branch: string
      readonly workspaceId: string | null
    }) => Effect.Effect<ReadonlyArray<typeof PushTarget.Type>>
    /** Turns auto-deploy off (with `reason`) or back on (where it was off for `reason`) for an owner's repositories. */
    readonly setAutoDeploy: (change: {
      readonly workspaceId: string
      readonly repoOwner: string
      readonly enabled: boolean
      readonly reason: string
    }) => Effect.Effect<ReadonlyArray<Ids.ServiceId>>
  }
>()("starform/projects/DeploymentRepository") {
  static readonly layer = Layer.effect(
    DeploymentRepository,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient

      const statements = {
        find: (deploymentId: string) =>
          sql`SELECT * FROM deployments WHERE id = ${deploymentId}`.pipe(
            Effect.flatMap(Sql.decodeFirst(Deployment, () => missing("deployment", deploymentId))),
          ),

        lock: (serviceId: string) =>
          sql`
              SELECT s.*, e.cluster_id, e.name AS environment_name, p.workspace_id, p.deployment_retention
              FROM services s JOIN environments e ON e.id = s.environment_id JOIN projects p ON p.id = s.project_id
              WHERE s.id = ${serviceId} FOR UPDATE OF s`.pipe(
            Effect.flatMap(Sql.decodeFirst(LockedService, () => missing("service", serviceId))),
          ),

        serviceExists: (serviceId: string) =>
          sql`SELECT 1 FROM services WHERE id = ${serviceId}`.pipe(Effect.map((rows) => rows.length > 0)),

        listOfService: (serviceId: string, limit: number) =>
          sql`SELECT * FROM deployments WHERE service_id = ${serviceId} ORDER BY number DESC LIMIT ${limit}`.pipe(
            Effect.flatMap(decodeDeployments),
          ),

        inProgress: (serviceId: string) =>
          sql`SELECT 1 FROM deployments WHERE service_id = ${serviceId} AND status IN ('building', 'deploying')`.pipe(
            Effect.map((rows) => rows.length > 0),
          ),

        waiting: (serviceId: string) =>
          sql`SELECT * FROM deployments WHERE service_id = ${serviceId} AND status = 'queued' ORDER BY number DESC`.pipe(
            Effect.flatMap(decodeDeployments),
          ),

        serving: (serviceId: string) =>
          sql`SELECT * FROM deployments WHERE service_id = ${serviceId} AND status = 'active'`.pipe(
            Effect.flatMap(decodeDeployments),
          ),

        setStatus: (current: Deployment, change: StatusChange) =>
          sql`UPDATE deployments SET ${sql.update({
            status: change.to,
            ...(change.failureReason !== undefined ? { failureReason: change.failureReason } : {}),
            ...(change.imageRef !== undefined ? { imageRef: change.imageRef } : {}),
            ...(change.imageDigest !== undefined ? { imageDigest: change.imageDigest } : {}),
          })}, started_at = CASE WHEN ${change.starts} THEN coalesce(started_at, now()) ELSE started_at END,
              finished_at = CASE WHEN ${change.ends} THEN now() ELSE finished_at END
            WHERE id = ${current.id} AND status = ${current.status}`.pipe(Effect.asVoid),

        insert: Effect.fn("DeploymentRepository.insert")(function* (deployment: NewDeployment) {
          const { service } = deployment
          const [numbered] = yield* sql`
              SELECT coalesce(max(number), 0) + 1 AS next FROM deployments WHERE service_id = ${service.id}`.pipe(
            Effect.flatMap(Sql.decodeRows(NextNumber)),
          )
          const id = Ids.newId("deployment")
          yield* sql`INSERT INTO deployments ${sql.insert({
            id,
            projectId: service.projectId,
            environmentId: service.environmentId,
            serviceId: service.id,
            number: numbered?.next ?? 1,
            status: "queued",
            trigger: deployment.trigger,
            commitSha: deployment.commitSha,
            commitMessage: deployment.commitMessage,
            imageRef: deployment.imageRef,
            imageDigest: deployment.imageDigest,
            configSnapshot: JSON.stringify(deployment.snapshot),
            variablesCiphertext: deployment.variablesCiphertext,
            rollbackOfDeploymentId: deployment.rollbackOfDeploymentId,
            createdBy: deployment.createdBy,
          })}`
          return id
        }),

        prune: (service: LockedService) =>
          sql`
              DELETE FROM deployments d USING (
                SELECT id, row_number() OVER (ORDER BY number DESC) AS rank FROM deployments
                WHERE service_id = ${service.id}
              ) ranked
              WHERE d.id = ranked.id AND ranked.rank > ${service.deploymentRetention}
                AND d.status IN ('superseded', 'failed', 'cancelled')
              RETURNING d.id, d.number, d.status, d.image_ref, d.image_digest, d.commit_sha`.pipe(
            Effect.flatMap(Sql.decodeRows(Pruned)),
          ),

        building: (limit: number, ids?: ReadonlyArray<Ids.DeploymentId>) =>
          ids !== undefined && ids.length === 0
            ? Effect.succeed([])
            : sql`
              SELECT d.*, p.workspace_id FROM deployments d JOIN projects p ON p.id = d.project_id
              WHERE d.status = 'building' ${ids === undefined ? sql`` : sql`AND d.id IN ${sql.in(ids)}`}
              ORDER BY d.started_at, d.id LIMIT ${limit}`.pipe(
                Effect.flatMap(Sql.decodeRows(Building)),
                Effect.map((rows) => rows.map(({ workspaceId, ...deployment }) => ({ workspaceId, deployment }))),
              ),

        pushTargets: (push: {
          readonly repoFullName: string
          readonly branch: string
          readonly workspaceId: string | null
        }) =>
          sql`
              SELECT s.id, s.root_directory FROM services s JOIN environments e ON e.id = s.environment_id
                JOIN projects p ON p.id = s.project_id
              WHERE s.source_type = 'repo' AND s.repo_full_name = ${push.repoFullName} AND s.auto_deploy
                AND (e.git_branch = ${push.branch} OR (e.git_branch IS NULL AND s.branch = ${push.branch}))
                AND (${push.workspaceId}::text IS NULL OR p.workspace_id = ${push.workspaceId})
              ORDER BY s.id`.pipe(Effect.flatMap(Sql.decodeRows(PushTarget))),

        setAutoDeploy: (change: {
          readonly workspaceId: string
          readonly repoOwner: string
          readonly enabled: boolean
          readonly reason: string
        }) => {
          const owned = sql`s.repo_full_name ILIKE ${`${change.repoOwner.replace(/[\\%_]/g, "\\$&")}/%`}`
          return (
            change.enabled
              ? sql`
                    UPDATE services s SET auto_deploy = true, auto_deploy_disabled_reason = NULL FROM projects p
                    WHERE p.id = s.project_id AND p.workspace_id = ${change.workspaceId} AND ${owned}
                      AND NOT s.auto_deploy AND s.auto_deploy_disabled_reason = ${change.reason}
                    RETURNING s.id`
              : sql`
                    UPDATE services s SET auto_deploy = false, auto_deploy_disabled_reason = ${change.reason}
                    FROM projects p
                    WHERE p.id = s.project_id AND p.workspace_id = ${change.workspaceId} AND ${owned}
                      AND s.source_type = 'repo' AND s.auto_deploy
                    RETURNING s.id`
          ).pipe(
            Effect.flatMap(Sql.decodeRows(ServiceIdRow)),
            Effect.map((rows) => rows.map((row) => row.id)),
          )
        },
      }
      return DeploymentRepository.of({ ...Sql.edge(statements), transaction: Sql.transaction(sql) })
    }),
  )
}
