import { Sql } from "@starform/db"
import { BuildLifecycle, type BuildsApi, Deploys, Ids } from "@starform/domain"
import { Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { Decision, Image } from "../Machine.ts"

/**
 * The `builds` table and each build's transitions. Every status change is a compare-and-set on the status it
 * was decided from, in one transaction with its `build_transitions` rows, so two deciders never both win.
 */

/** A command override; absent (the column's default is `{}`) means none. */
const Command = Schema.NullOr(Schema.String).pipe(Schema.withDecodingDefaultKey(Effect.succeed(null)))

/** The build, start and pre-deploy command overrides the deployment froze (the `overrides` column). */
export const Overrides = Schema.Struct({
  buildCommand: Command,
  startCommand: Command,
  preDeployCommand: Command,
})
export type Overrides = typeof Overrides.Type

/** A `builds` row: the domain's build with its overrides typed. */
export const BuildRecord = Schema.Struct({
  ...Deploys.Build.fields,
  overrides: Overrides,
  /** The uploaded folder built instead of a commit (`starform up`); null for a commit. */
  sourceUploadId: Schema.NullOr(Schema.String),
})
export type BuildRecord = typeof BuildRecord.Type

export type PredeployStatus = NonNullable<BuildRecord["predeployStatus"]>

export type Transition = Pick<Deploys.BuildTransition, "status" | "at" | "reason">

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
  readonly sourceUploadId: string | null
  readonly overrides: Overrides
  readonly imageSizeLimitBytes: number
  readonly timeoutSeconds: number
}

const iso = (at: DateTime.Utc) => DateTime.formatIso(at)

export const view = (row: BuildRecord, transitions: ReadonlyArray<Transition>): BuildsApi.BuildView => ({
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

const decodeBuilds = Sql.decodeRows(BuildRecord)
const decodeTransitions = Sql.decodeRows(Deploys.BuildTransition)
const DeploymentIdRow = Schema.Struct({ deploymentId: Deploys.Build.fields.deploymentId })
const RunningRow = Schema.Struct({ workspaceId: Schema.String, running: Schema.BigInt })

export class BuildStore extends Context.Service<
  BuildStore,
  {
    /** The attempt, queued; None when that attempt of the deployment already exists. */
    readonly create: (build: NewBuild) => Effect.Effect<Option.Option<BuildRecord>>
    readonly get: (id: string) => Effect.Effect<Option.Option<BuildRecord>>
    readonly byDeployment: (deploymentId: string) => Effect.Effect<ReadonlyArray<BuildRecord>>
    /** Which of these deployments have a build already. */
    readonly deploymentsWithBuilds: (deploymentIds: ReadonlyArray<string>) => Effect.Effect<ReadonlySet<string>>
    readonly transitions: (buildId: string) => Effect.Effect<ReadonlyArray<Transition>>
    /**
     * Applies a `Move` decided from `row.status`: false when the build has moved since (someone else decided).
     * Entering `cloning` starts the clock: `deadline_at` is `timeout_seconds` from then.
     */
    readonly apply: (
      row: BuildRecord,
      move: Extract<Decision, { readonly _tag: "Move" }>,
      retryAfterMs?: number,
    ) => Effect.Effect<boolean>
    /** Queued builds whose backoff is over, oldest first. */
    readonly due: (limit: number) => Effect.Effect<ReadonlyArray<BuildRecord>>
    /** How many builds each workspace runs now. */
    readonly runningPerWorkspace: () => Effect.Effect<ReadonlyMap<string, number>>
    /** Says why these queued builds wait (one statement for the lot). */
    readonly setWaiting: (ids: ReadonlyArray<string>, reason: string) => Effect.Effect<void>
    /** Builds in one of `statuses`, oldest first; with `deploymentIds`, only those of these deployments. */
    readonly withStatus: (
      statuses: ReadonlyArray<Deploys.BuildStatus>,
      deploymentIds?: ReadonlyArray<string>,
    ) => Effect.Effect<ReadonlyArray<BuildRecord>>
    /** Built images whose pre-deploy command has not finished (not every succeeded build ever). */
    readonly predeploysUnfinished: () => Effect.Effect<ReadonlyArray<BuildRecord>>
    readonly setRunnerJob: (id: string, job: string) => Effect.Effect<void>
    readonly setPredeploy: (id: string, status: PredeployStatus, reason: string | null) => Effect.Effect<void>
    readonly markReported: (id: string) => Effect.Effect<void>
    /** Ended builds whose deployment has not been told yet (after a crash, or while projects was unreachable). */
    readonly unreported: () => Effect.Effect<ReadonlyArray<BuildRecord>>
    /** Serialises admission across replicas for the rest of the transaction. */
    readonly withAdmissionLock: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  }
>()("starform/builds/BuildStore") {
  static readonly layer = Layer.effect(
    BuildStore,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const first = (rows: ReadonlyArray<BuildRecord>) => Option.fromNullishOr(rows[0])

      const repository = Sql.edge({
        create: (build: NewBuild) =>
          sql.withTransaction(
            Effect.gen(function* () {
              const id = Ids.makeId(Ids.prefixes.build)
              const rows = yield* sql`
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
                  sourceUploadId: build.sourceUploadId,
                  overrides: JSON.stringify(build.overrides),
                  imageSizeLimitBytes: build.imageSizeLimitBytes,
                  timeoutSeconds: build.timeoutSeconds,
                  predeployStatus: build.overrides.preDeployCommand === null ? null : "pending",
                })}
                ON CONFLICT (deployment_id, attempt) DO NOTHING RETURNING *`.pipe(Effect.flatMap(decodeBuilds))
              if (rows[0] !== undefined) {
                yield* sql`INSERT INTO build_transitions (build_id, status, at) SELECT id, 'queued', queued_at FROM builds
                  WHERE id = ${id}`
              }
              return first(rows)
            }),
          ),

        get: (id: string) =>
          sql`SELECT * FROM builds WHERE id = ${id}`.pipe(Effect.flatMap(decodeBuilds), Effect.map(first)),

        byDeployment: (deploymentId: string) =>
          sql`SELECT * FROM builds WHERE deployment_id = ${deploymentId} ORDER BY attempt`.pipe(
            Effect.flatMap(decodeBuilds),
          ),

        deploymentsWithBuilds: (deploymentIds: ReadonlyArray<string>) =>
          deploymentIds.length === 0
            ? Effect.succeed(new Set<string>())
            : sql`SELECT DISTINCT deployment_id FROM builds WHERE ${sql.in("deployment_id", deploymentIds)}`.pipe(
                Effect.flatMap(Sql.decodeRows(DeploymentIdRow)),
                Effect.map((rows) => new Set<string>(rows.map((row) => row.deploymentId))),
              ),

        transitions: (buildId: string) =>
          sql`SELECT * FROM build_transitions WHERE build_id = ${buildId} ORDER BY at, status`.pipe(
            Effect.flatMap(decodeTransitions),
          ),

        apply: (row: BuildRecord, move: Extract<Decision, { readonly _tag: "Move" }>, retryAfterMs = 0) =>
          sql.withTransaction(
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
                    source_upload_id, overrides, image_size_limit_bytes, not_before, predeploy_status)
                  SELECT ${next}, deployment_id, project_id, environment_id, service_id, 'queued', attempt + 1,
                    timeout_seconds, workspace_id, repo_full_name, commit_sha, root_directory, github_installation_id,
                    source_upload_id, overrides, image_size_limit_bytes, clock_timestamp() + make_interval(secs => ${retryAfterMs / 1000}),
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
          ),

        due: (limit: number) =>
          sql`
            SELECT * FROM builds WHERE status = 'queued' AND not_before <= now()
            ORDER BY queued_at, id LIMIT ${limit}`.pipe(Effect.flatMap(decodeBuilds)),

        runningPerWorkspace: () =>
          sql`
            SELECT workspace_id, count(*) AS running FROM builds
            WHERE status IN ('cloning', 'building', 'pushing') AND workspace_id IS NOT NULL GROUP BY workspace_id`.pipe(
            Effect.flatMap(Sql.decodeRows(RunningRow)),
            Effect.map((rows) => new Map(rows.map((row) => [row.workspaceId, Number(row.running)]))),
          ),

        setWaiting: (ids: ReadonlyArray<string>, reason: string) =>
          ids.length === 0
            ? Effect.void
            : sql`UPDATE builds SET waiting_reason = ${reason}
                WHERE ${sql.in("id", ids)} AND status = 'queued' AND waiting_reason IS DISTINCT FROM ${reason}`.pipe(
                Effect.asVoid,
              ),

        withStatus: (statuses: ReadonlyArray<Deploys.BuildStatus>, deploymentIds?: ReadonlyArray<string>) =>
          deploymentIds !== undefined && deploymentIds.length === 0
            ? Effect.succeed([])
            : sql`
                SELECT * FROM builds WHERE ${sql.in("status", statuses)}
                  ${deploymentIds === undefined ? sql`` : sql`AND ${sql.in("deployment_id", deploymentIds)}`}
                ORDER BY queued_at, id`.pipe(Effect.flatMap(decodeBuilds)),

        predeploysUnfinished: () =>
          sql`
            SELECT * FROM builds WHERE status = 'succeeded' AND predeploy_status IN ('pending', 'running')
            ORDER BY finished_at, id`.pipe(Effect.flatMap(decodeBuilds)),

        setRunnerJob: (id: string, job: string) =>
          sql`UPDATE builds SET runner_job = ${job} WHERE id = ${id}`.pipe(Effect.asVoid),

        setPredeploy: (id: string, status: PredeployStatus, reason: string | null) =>
          sql`UPDATE builds SET predeploy_status = ${status}, predeploy_reason = ${reason} WHERE id = ${id}`.pipe(
            Effect.asVoid,
          ),

        markReported: (id: string) => sql`UPDATE builds SET reported_at = now() WHERE id = ${id}`.pipe(Effect.asVoid),

        unreported: () =>
          sql`
            SELECT * FROM builds WHERE reported_at IS NULL
              AND status IN ('succeeded', 'failed', 'timed_out', 'cancelled')
              AND (predeploy_status IS NULL OR predeploy_status IN ('succeeded', 'failed'))
            ORDER BY finished_at, id`.pipe(Effect.flatMap(decodeBuilds)),
      })

      return BuildStore.of({
        ...repository,
        withAdmissionLock: (effect) =>
          Sql.transaction(sql)(
            Effect.andThen(sql`SELECT pg_advisory_xact_lock(hashtext('starform.builds.admission'))`, effect),
          ),
      })
    }),
  )
}
