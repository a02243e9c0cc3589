import { BuildLifecycle, type BuildsApi, type Deploys, Ids } from "@starform/domain"
import { Context, DateTime, Effect, Layer, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { Decision, Image } from "../Machine.ts"

/**
 * The `builds` table and each build's transitions. Every status change is a compare-and-set on the status it
 * was decided from, in one transaction with its `build_transitions` rows, so two deciders never both win.
 */

export interface Overrides {
  readonly buildCommand: string | null
  readonly startCommand: string | null
  readonly preDeployCommand: string | null
}

export interface BuildRow {
  readonly id: Ids.BuildId
  readonly deploymentId: Ids.DeploymentId
  readonly projectId: Ids.ProjectId
  readonly environmentId: Ids.EnvironmentId
  readonly serviceId: Ids.ServiceId
  readonly workspaceId: Ids.WorkspaceId | null
  readonly status: Deploys.BuildStatus
  readonly attempt: number
  readonly failureKind: Deploys.BuildFailureKind | null
  readonly failureReason: string | null
  readonly timeoutSeconds: number
  readonly imageSizeBytes: bigint | string | null
  readonly imageSizeLimitBytes: bigint | string
  readonly repoFullName: string | null
  readonly commitSha: string | null
  readonly rootDirectory: string
  readonly githubInstallationId: Ids.GithubInstallationId | null
  readonly overrides: Overrides
  readonly imageRef: string | null
  readonly imageDigest: string | null
  readonly notBefore: Date
  readonly deadlineAt: Date | null
  readonly waitingReason: string | null
  readonly runnerJob: string | null
  readonly predeployStatus: "pending" | "running" | "succeeded" | "failed" | null
  readonly predeployReason: string | null
  readonly reportedAt: Date | null
  readonly queuedAt: Date
  readonly startedAt: Date | null
  readonly finishedAt: Date | null
}

export interface NewBuild {
  readonly deploymentId: string
  readonly projectId: string
  readonly environmentId: string
  readonly serviceId: string
  readonly workspaceId: string
  readonly attempt: number
  readonly repoFullName: string | null
  readonly commitSha: string | null
  readonly rootDirectory: string
  readonly githubInstallationId: string | null
  readonly overrides: Overrides
  readonly imageSizeLimitBytes: number
  readonly timeoutSeconds: number
  /** A retry waits out its backoff. */
  readonly notBefore: Date
}

const iso = (date: Date) => DateTime.formatIso(DateTime.fromDateUnsafe(date))

export const view = (
  row: BuildRow,
  transitions: ReadonlyArray<{
    readonly status: Deploys.BuildStatus
    readonly at: Date
    readonly reason: string | null
  }>,
): BuildsApi.BuildView => ({
  id: row.id,
  deploymentId: row.deploymentId,
  projectId: row.projectId,
  environmentId: row.environmentId,
  serviceId: row.serviceId,
  status: row.status,
  attempt: row.attempt,
  failureKind: row.failureKind,
  failureReason: row.failureReason,
  waitingReason: row.waitingReason,
  repoFullName: row.repoFullName,
  commitSha: row.commitSha,
  timeoutSeconds: row.timeoutSeconds,
  imageSizeLimitBytes: Number(row.imageSizeLimitBytes),
  imageSizeBytes: row.imageSizeBytes === null ? null : Number(row.imageSizeBytes),
  imageRef: row.imageRef,
  imageDigest: row.imageDigest,
  predeploy: row.predeployStatus === null ? null : { status: row.predeployStatus, reason: row.predeployReason },
  transitions: transitions.map((t) => ({ status: t.status, at: iso(t.at), reason: t.reason })),
  queuedAt: iso(row.queuedAt),
  startedAt: row.startedAt === null ? null : iso(row.startedAt),
  finishedAt: row.finishedAt === null ? null : iso(row.finishedAt),
})

export const inProgress: ReadonlyArray<Deploys.BuildStatus> = ["cloning", "building", "pushing"]
export const unfinished: ReadonlyArray<Deploys.BuildStatus> = ["queued", ...inProgress]

export class BuildStore extends Context.Service<
  BuildStore,
  {
    /** The attempt, queued; None when that attempt of the deployment already exists. */
    readonly create: (build: NewBuild) => Effect.Effect<Option.Option<BuildRow>>
    readonly get: (id: string) => Effect.Effect<Option.Option<BuildRow>>
    readonly byDeployment: (deploymentId: string) => Effect.Effect<ReadonlyArray<BuildRow>>
    /** Which of these deployments have a build already. */
    readonly deploymentsWithBuilds: (deploymentIds: ReadonlyArray<string>) => Effect.Effect<ReadonlySet<string>>
    readonly transitions: (
      buildId: string,
    ) => Effect.Effect<
      ReadonlyArray<{ readonly status: Deploys.BuildStatus; readonly at: Date; readonly reason: string | null }>
    >
    /**
     * Applies a `Move` decided from `row.status`: false when the build has moved since (someone else decided).
     * Entering `cloning` starts the clock: `deadline_at` is `timeout_seconds` from then.
     */
    readonly apply: (
      row: BuildRow,
      move: Extract<Decision, { readonly _tag: "Move" }>,
      retryAfterMs?: number,
    ) => Effect.Effect<boolean>
    /** Queued builds whose backoff is over, oldest first. */
    readonly due: (limit: number) => Effect.Effect<ReadonlyArray<BuildRow>>
    /** How many builds each workspace runs now. */
    readonly runningPerWorkspace: Effect.Effect<ReadonlyMap<string, number>>
    readonly setWaiting: (id: string, reason: string | null) => Effect.Effect<void>
    readonly withStatus: (statuses: ReadonlyArray<Deploys.BuildStatus>) => Effect.Effect<ReadonlyArray<BuildRow>>
    readonly setRunnerJob: (id: string, job: string) => Effect.Effect<void>
    readonly setPredeploy: (
      id: string,
      status: NonNullable<BuildRow["predeployStatus"]>,
      reason: string | null,
    ) => Effect.Effect<void>
    readonly markReported: (id: string) => Effect.Effect<void>
    /** Ended builds whose deployment has not been told yet (after a crash, or while projects was unreachable). */
    readonly unreported: Effect.Effect<ReadonlyArray<BuildRow>>
    /** Serialises admission across replicas for the rest of the transaction. */
    readonly withAdmissionLock: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  }
>()("starform/builds/BuildStore") {
  static readonly layer = Layer.effect(
    BuildStore,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const one = (rows: ReadonlyArray<BuildRow>) => Option.fromNullishOr(rows[0])
      const get = (id: string) =>
        sql<BuildRow>`SELECT * FROM builds WHERE id = ${id}`.pipe(Effect.orDie, Effect.map(one))

      return BuildStore.of({
        create: (build) =>
          sql
            .withTransaction(
              Effect.gen(function* () {
                const id = Ids.makeId(Ids.prefixes.build)
                const rows = yield* sql<BuildRow>`
                  INSERT INTO builds ${sql.insert({
                    id,
                    deploymentId: build.deploymentId,
                    projectId: build.projectId,
                    environmentId: build.environmentId,
                    serviceId: build.serviceId,
                    workspaceId: build.workspaceId,
                    attempt: build.attempt,
                    status: "queued",
                    repoFullName: build.repoFullName,
                    commitSha: build.commitSha,
                    rootDirectory: build.rootDirectory,
                    githubInstallationId: build.githubInstallationId,
                    overrides: JSON.stringify(build.overrides),
                    imageSizeLimitBytes: build.imageSizeLimitBytes,
                    timeoutSeconds: build.timeoutSeconds,
                    notBefore: build.notBefore,
                    predeployStatus: build.overrides.preDeployCommand === null ? null : "pending",
                  })}
                  ON CONFLICT (deployment_id, attempt) DO NOTHING RETURNING *`
                if (rows[0] !== undefined) {
                  yield* sql`INSERT INTO build_transitions (build_id, status, at) VALUES (${id}, 'queued', ${rows[0].queuedAt})`
                }
                return one(rows)
              }),
            )
            .pipe(Effect.orDie),

        get,

        byDeployment: (deploymentId) =>
          sql<BuildRow>`SELECT * FROM builds WHERE deployment_id = ${deploymentId} ORDER BY attempt`.pipe(Effect.orDie),

        deploymentsWithBuilds: (deploymentIds) =>
          deploymentIds.length === 0
            ? Effect.succeed(new Set<string>())
            : sql<{ readonly deploymentId: string }>`
                SELECT DISTINCT deployment_id FROM builds WHERE ${sql.in("deployment_id", deploymentIds)}`.pipe(
                Effect.orDie,
                Effect.map((rows) => new Set(rows.map((row) => row.deploymentId))),
              ),

        transitions: (buildId) =>
          sql<{ readonly status: Deploys.BuildStatus; readonly at: Date; readonly reason: string | null }>`
            SELECT status, at, reason FROM build_transitions WHERE build_id = ${buildId} ORDER BY at, status`.pipe(
            Effect.orDie,
          ),

        apply: (row, move, retryAfterMs = 0) =>
          sql
            .withTransaction(
              Effect.gen(function* () {
                const to = move.path.at(-1)
                if (to === undefined) return false
                const final = BuildLifecycle.isFinal(to)
                const starts = move.path.includes("cloning")
                const image: Image | null = move.image
                const updated = yield* sql`
                  UPDATE builds SET status = ${to},
                    started_at = CASE WHEN ${starts} THEN coalesce(started_at, clock_timestamp()) ELSE started_at END,
                    deadline_at = CASE WHEN ${starts} THEN clock_timestamp() + make_interval(secs => timeout_seconds)
                      ELSE deadline_at END,
                    finished_at = CASE WHEN ${final} THEN clock_timestamp() ELSE finished_at END,
                    waiting_reason = NULL,
                    failure_kind = ${move.failure?.kind ?? null},
                    failure_reason = ${move.failure?.reason ?? null},
                    image_ref = coalesce(${image?.imageRef ?? null}, image_ref),
                    image_digest = coalesce(${image?.imageDigest ?? null}, image_digest),
                    image_size_bytes = coalesce(${image?.sizeBytes ?? null}::bigint, image_size_bytes),
                    predeploy_status = CASE WHEN ${final && to !== "succeeded"} THEN NULL ELSE predeploy_status END,
                    -- a retried attempt has nothing to tell its deployment: the next attempt will
                    reported_at = CASE WHEN ${move.retry} THEN clock_timestamp() ELSE reported_at END
                  WHERE id = ${row.id} AND status = ${row.status} RETURNING id`
                if (updated.length === 0) return false
                if (move.retry) {
                  // the next attempt is written with the failure, so no crash can leave the deployment without one
                  const next = Ids.makeId(Ids.prefixes.build)
                  yield* sql`
                    INSERT INTO builds (id, deployment_id, project_id, environment_id, service_id, status, attempt,
                      timeout_seconds, workspace_id, repo_full_name, commit_sha, root_directory, github_installation_id,
                      overrides, image_size_limit_bytes, not_before, predeploy_status)
                    SELECT ${next}, deployment_id, project_id, environment_id, service_id, 'queued', attempt + 1,
                      timeout_seconds, workspace_id, repo_full_name, commit_sha, root_directory, github_installation_id,
                      overrides, image_size_limit_bytes, clock_timestamp() + make_interval(secs => ${retryAfterMs / 1000}),
                      CASE WHEN overrides->>'preDeployCommand' IS NULL THEN NULL ELSE 'pending' END
                    FROM builds WHERE id = ${row.id}`
                  yield* sql`INSERT INTO build_transitions (build_id, status, at) VALUES (${next}, 'queued', clock_timestamp())`
                }
                for (const status of move.path) {
                  const reason = status === to ? (move.failure?.reason ?? null) : null
                  yield* sql`
                    INSERT INTO build_transitions (build_id, status, at, reason)
                    VALUES (${row.id}, ${status}, clock_timestamp(), ${reason}) ON CONFLICT DO NOTHING`
                }
                return true
              }),
            )
            .pipe(Effect.orDie),

        due: (limit) =>
          sql<BuildRow>`
            SELECT * FROM builds WHERE status = 'queued' AND not_before <= now()
            ORDER BY queued_at, id LIMIT ${limit}`.pipe(Effect.orDie),

        runningPerWorkspace: sql<{ readonly workspaceId: string; readonly running: bigint | number | string }>`
          SELECT workspace_id, count(*) AS running FROM builds
          WHERE status IN ('cloning', 'building', 'pushing') AND workspace_id IS NOT NULL GROUP BY workspace_id`.pipe(
          Effect.orDie,
          Effect.map((rows) => new Map(rows.map((row) => [row.workspaceId, Number(row.running)]))),
        ),

        setWaiting: (id, reason) =>
          sql`UPDATE builds SET waiting_reason = ${reason}
              WHERE id = ${id} AND status = 'queued' AND waiting_reason IS DISTINCT FROM ${reason}`.pipe(
            Effect.orDie,
            Effect.asVoid,
          ),

        withStatus: (statuses) =>
          sql<BuildRow>`SELECT * FROM builds WHERE ${sql.in("status", statuses)} ORDER BY queued_at, id`.pipe(
            Effect.orDie,
          ),

        setRunnerJob: (id, job) =>
          sql`UPDATE builds SET runner_job = ${job} WHERE id = ${id}`.pipe(Effect.orDie, Effect.asVoid),

        setPredeploy: (id, status, reason) =>
          sql`UPDATE builds SET predeploy_status = ${status}, predeploy_reason = ${reason} WHERE id = ${id}`.pipe(
            Effect.orDie,
            Effect.asVoid,
          ),

        markReported: (id) =>
          sql`UPDATE builds SET reported_at = now() WHERE id = ${id}`.pipe(Effect.orDie, Effect.asVoid),

        unreported: sql<BuildRow>`
          SELECT * FROM builds WHERE reported_at IS NULL
            AND status IN ('succeeded', 'failed', 'timed_out', 'cancelled')
            AND (predeploy_status IS NULL OR predeploy_status IN ('succeeded', 'failed'))
          ORDER BY finished_at, id`.pipe(Effect.orDie),

        withAdmissionLock: (effect) =>
          sql
            .withTransaction(
              Effect.andThen(sql`SELECT pg_advisory_xact_lock(hashtext('starform.builds.admission'))`, effect),
            )
            .pipe(Effect.catchTag("SqlError", Effect.die)) as typeof effect,
      })
    }),
  )
}
