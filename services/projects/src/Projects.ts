import { Sql } from "@starform/db"
import { Ids, type ProjectsApi, ProjectsRpc, Projects as Tables } from "@starform/domain"
import { Context, Effect, Layer, Option, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { Clusters } from "./Clusters.ts"
import { breaks, type Invalid, type Missing, missing, type Refused, refused } from "./Errors.ts"
import { DesiredStateFeed } from "./Feed.ts"
import * as Views from "./Views.ts"

/**
 * Projects and environments: create, rename, delete, clone an environment, map Git branches to environments,
 * and `locate` — which workspace and project any resource is in, for the gateway to authorize against.
 */

type Errors = Invalid | Missing | Refused

const Placement = Schema.Struct({ clusterId: Schema.NullOr(Ids.ClusterId), regionId: Schema.NullOr(Ids.RegionId) })
const IdRow = Schema.Struct({ id: Schema.String })
const ClusterOf = Schema.Struct({ clusterId: Schema.NullOr(Ids.ClusterId) })
const SealedVariable = Schema.Struct({ key: Schema.String, valueCiphertext: Schema.String })

/** The environment every new project starts with. */
export const firstEnvironment = "production"

const projectConstraints = (name: string | undefined, regionId: string | null | undefined, workspaceId?: string) => ({
  projects_name_unique_per_workspace: () =>
    refused(`A project named ${name} already exists in this workspace: choose another name.`, "name"),
  projects_region_fk: () =>
    breaks("regionId", "exists", `must be a region of Starform: there is no region ${regionId}`),
  projects_workspace_fk: () => missing("workspace", workspaceId ?? ""),
})

const environmentConstraints = (name: string | undefined, gitBranch: string | null | undefined) => ({
  environments_name_unique_per_project: () =>
    refused(`An environment named ${name} already exists in this project: choose another name.`, "name"),
  environments_git_branch_unique_per_project: () =>
    refused(`Branch ${gitBranch} already deploys to another environment of this project.`, "gitBranch"),
})

export class Projects extends Context.Service<
  Projects,
  {
    readonly locate: (kind: ProjectsRpc.ResourceKind, id: string) => Effect.Effect<ProjectsRpc.Tenant, Missing>
    readonly list: (workspaceId: string) => Effect.Effect<ReadonlyArray<ProjectsApi.ProjectView>>
    readonly create: (
      workspaceId: string,
      request: ProjectsApi.CreateProjectRequest,
    ) => Effect.Effect<ProjectsApi.ProjectView, Errors>
    readonly get: (projectId: string) => Effect.Effect<ProjectsApi.ProjectView, Missing>
    readonly update: (
      projectId: string,
      request: ProjectsApi.UpdateProjectRequest,
    ) => Effect.Effect<ProjectsApi.ProjectView, Errors>
    readonly remove: (projectId: string) => Effect.Effect<void, Missing>
    readonly listEnvironments: (projectId: string) => Effect.Effect<ReadonlyArray<ProjectsApi.EnvironmentView>, Missing>
    readonly createEnvironment: (
      projectId: string,
      request: ProjectsApi.CreateEnvironmentRequest,
    ) => Effect.Effect<ProjectsApi.EnvironmentView, Errors>
    readonly getEnvironment: (environmentId: string) => Effect.Effect<ProjectsApi.EnvironmentView, Missing>
    readonly updateEnvironment: (
      environmentId: string,
      request: ProjectsApi.UpdateEnvironmentRequest,
    ) => Effect.Effect<ProjectsApi.EnvironmentView, Errors>
    readonly removeEnvironment: (environmentId: string) => Effect.Effect<void, Missing>
    /** The environment's cluster, placing it on one first if it has none; none when no cluster is active. */
    readonly ensurePlaced: (environmentId: string) => Effect.Effect<Option.Option<Ids.ClusterId>, Missing>
  }
>()("starform/projects/Projects") {
  static readonly layer = Layer.effect(
    Projects,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const transaction = Sql.transaction(sql)
      const clusters = yield* Clusters
      const feed = yield* DesiredStateFeed

      const touchAfterCommit = (clusterIds: ReadonlyArray<Ids.ClusterId | null>) =>
        sql.afterCommit(
          Effect.forEach(new Set(clusterIds.filter((id): id is Ids.ClusterId => id !== null)), (id) => feed.touch(id), {
            discard: true,
          }),
        )

      const getProject = (projectId: string) =>
        sql`SELECT * FROM projects WHERE id = ${projectId}`.pipe(
          Effect.flatMap(Sql.decodeFirst(Tables.Project, () => missing("project", projectId))),
          Effect.map(Views.project),
        )

      const environmentRow = (environmentId: string) =>
        sql`SELECT * FROM environments WHERE id = ${environmentId}`.pipe(
          Effect.flatMap(Sql.decodeFirst(Tables.Environment, () => missing("environment", environmentId))),
        )

      const place = Effect.fn("Projects.place")(function* (environmentId: string) {
        const row = yield* sql`
          SELECT e.cluster_id, p.region_id FROM environments e JOIN projects p ON p.id = e.project_id
          WHERE e.id = ${environmentId}`.pipe(
          Effect.flatMap(Sql.decodeFirst(Placement, () => missing("environment", environmentId))),
        )
        if (row.clusterId !== null) return Option.some(row.clusterId)
        const chosen = yield* clusters.place(row.regionId)
        if (Option.isSome(chosen)) {
          yield* sql`UPDATE environments SET cluster_id = ${chosen.value} WHERE id = ${environmentId} AND cluster_id IS NULL`
        }
        return chosen
      })

      const insertEnvironment = (fields: {
        readonly projectId: string
        readonly name: string
        readonly isEphemeral: boolean
        readonly gitBranch: string | null
        readonly clonedFromEnvironmentId: string | null
      }) =>
        Effect.gen(function* () {
          const id = Ids.newId("environment")
          yield* sql`INSERT INTO environments ${sql.insert({ id, ...fields })}`.pipe(
            Sql.refusedBy(environmentConstraints(fields.name, fields.gitBranch)),
          )
          yield* place(id)
          return id
        })

      /** Copies the services of `from` into `to` with their variables, group links and group overrides. */
      const cloneInto = Effect.fn("Projects.cloneInto")(function* (from: string, to: string) {
        const services = yield* sql`SELECT id FROM services WHERE environment_id = ${from}`.pipe(
          Effect.flatMap(Sql.decodeRows(IdRow)),
        )
        for (const { id } of services) {
          const copy = Ids.newId("service")
          yield* sql`
            INSERT INTO services (id, project_id, environment_id, name, type, source_type, repo_full_name, branch,
              root_directory, github_installation_id, image_ref, port, cron_schedule, is_public, auto_deploy,
              auto_deploy_disabled_reason, config)
            SELECT ${copy}, project_id, ${to}, name, type, source_type, repo_full_name, branch, root_directory,
              github_installation_id, image_ref, port, cron_schedule, is_public, auto_deploy,
              auto_deploy_disabled_reason, config
            FROM services WHERE id = ${id}`
          // a value is sealed for its column, not its row, so the ciphertext is copied as it is
          const variables = yield* sql`
            SELECT key, value_ciphertext FROM service_variables WHERE service_id = ${id}`.pipe(
            Effect.flatMap(Sql.decodeRows(SealedVariable)),
          )
          for (const variable of variables) {
            yield* sql`
              INSERT INTO service_variables (id, project_id, environment_id, service_id, key, value_ciphertext)
              SELECT ${Ids.newId("serviceVariable")}, project_id, ${to}, ${copy}, ${variable.key}, ${variable.valueCiphertext}
              FROM services WHERE id = ${copy}`
          }
          yield* sql`
            INSERT INTO service_var_groups (project_id, environment_id, service_id, var_group_id, position)
            SELECT project_id, ${to}, ${copy}, var_group_id, position FROM service_var_groups WHERE service_id = ${id}`
        }
        const overrides = yield* sql`SELECT id FROM var_group_entries WHERE environment_id = ${from}`.pipe(
          Effect.flatMap(Sql.decodeRows(IdRow)),
        )
        for (const { id } of overrides) {
          yield* sql`
            INSERT INTO var_group_entries (id, project_id, var_group_id, key, environment_id, value_ciphertext)
            SELECT ${Ids.newId("varGroupEntry")}, project_id, var_group_id, key, ${to}, value_ciphertext
            FROM var_group_entries WHERE id = ${id}`
        }
      })

      const methods = {
        locate: (kind: ProjectsRpc.ResourceKind, id: string) => {
          const query = {
            project: sql`SELECT workspace_id, id AS project_id FROM projects WHERE id = ${id}`,
            environment: sql`
              SELECT p.workspace_id, p.id AS project_id FROM environments e JOIN projects p ON p.id = e.project_id
              WHERE e.id = ${id}`,
            service: sql`
              SELECT p.workspace_id, p.id AS project_id FROM services s JOIN projects p ON p.id = s.project_id
              WHERE s.id = ${id}`,
            deployment: sql`
              SELECT p.workspace_id, p.id AS project_id FROM deployments d JOIN projects p ON p.id = d.project_id
              WHERE d.id = ${id}`,
            varGroup: sql`
              SELECT p.workspace_id, p.id AS project_id FROM var_groups g JOIN projects p ON p.id = g.project_id
              WHERE g.id = ${id}`,
          }[kind]
          const word = kind === "varGroup" ? "var group" : kind
          return query.pipe(Effect.flatMap(Sql.decodeFirst(ProjectsRpc.Tenant, () => missing(word, id))))
        },

        list: (workspaceId: string) =>
          sql`SELECT * FROM projects WHERE workspace_id = ${workspaceId} ORDER BY name`.pipe(
            Effect.flatMap(Sql.decodeRows(Views.ProjectViewFromRow)),
          ),

        create: Effect.fn("Projects.create")(function* (
          workspaceId: string,
          request: ProjectsApi.CreateProjectRequest,
        ) {
          const id = Ids.newId("project")
          const created = Effect.gen(function* () {
            yield* sql`INSERT INTO projects ${sql.insert({
              id,
              workspaceId,
              name: request.name,
              description: request.description ?? null,
              regionId: request.regionId ?? null,
              deploymentRetention: request.deploymentRetention ?? 20,
            })}`.pipe(Sql.refusedBy(projectConstraints(request.name, request.regionId, workspaceId)))
            yield* insertEnvironment({
              projectId: id,
              name: firstEnvironment,
              isEphemeral: false,
              gitBranch: null,
              clonedFromEnvironmentId: null,
            })
            return yield* getProject(id)
          })
          return yield* transaction(created)
        }),

        get: getProject,

        update: Effect.fn("Projects.update")(function* (projectId: string, request: ProjectsApi.UpdateProjectRequest) {
          const current = yield* getProject(projectId)
          const changes = Object.fromEntries(
            Object.entries({
              name: request.name,
              description: request.description,
              regionId: request.regionId,
              deploymentRetention: request.deploymentRetention,
            }).filter(([, value]) => value !== undefined),
          )
          if (Object.keys(changes).length > 0) {
            yield* sql`UPDATE projects SET ${sql.update(changes)} WHERE id = ${projectId}`.pipe(
              Sql.refusedBy(projectConstraints(request.name, request.regionId, current.workspaceId)),
            )
          }
          return yield* getProject(projectId)
        }),

        remove: Effect.fn("Projects.remove")(function* (projectId: string) {
          const removed = Effect.gen(function* () {
            const rows = yield* sql`SELECT cluster_id FROM environments WHERE project_id = ${projectId}`.pipe(
              Effect.flatMap(Sql.decodeRows(ClusterOf)),
            )
            const deleted = yield* sql`DELETE FROM projects WHERE id = ${projectId} RETURNING id`
            if (deleted.length === 0) return yield* missing("project", projectId)
            yield* touchAfterCommit(rows.map((row) => row.clusterId))
          })
          return yield* transaction(removed)
        }),

        listEnvironments: Effect.fn("Projects.listEnvironments")(function* (projectId: string) {
          yield* getProject(projectId)
          const rows = yield* sql`SELECT * FROM environments WHERE project_id = ${projectId} ORDER BY name`.pipe(
            Effect.flatMap(Sql.decodeRows(Tables.Environment)),
          )
          return rows.map(Views.environment)
        }),

        createEnvironment: Effect.fn("Projects.createEnvironment")(function* (
          projectId: string,
          request: ProjectsApi.CreateEnvironmentRequest,
        ) {
          yield* getProject(projectId)
          const created = Effect.gen(function* () {
            if (request.cloneFrom !== undefined) {
              const source = yield* environmentRow(request.cloneFrom)
              // another project's environment reads exactly like a missing one
              if (source.projectId !== projectId) return yield* missing("environment", request.cloneFrom)
            }
            const id = yield* insertEnvironment({
              projectId,
              name: request.name,
              isEphemeral: request.isEphemeral ?? false,
              gitBranch: request.gitBranch ?? null,
              clonedFromEnvironmentId: request.cloneFrom ?? null,
            })
            if (request.cloneFrom !== undefined) yield* cloneInto(request.cloneFrom, id)
            return Views.environment(yield* environmentRow(id))
          })
          return yield* transaction(created)
        }),

        getEnvironment: (environmentId: string) => Effect.map(environmentRow(environmentId), Views.environment),

        updateEnvironment: Effect.fn("Projects.updateEnvironment")(function* (
          environmentId: string,
          request: ProjectsApi.UpdateEnvironmentRequest,
        ) {
          const current = yield* environmentRow(environmentId)
          const changes = Object.fromEntries(
            Object.entries({ name: request.name, gitBranch: request.gitBranch }).filter(
              ([, value]) => value !== undefined,
            ),
          )
          if (Object.keys(changes).length > 0) {
            yield* sql`UPDATE environments SET ${sql.update(changes)} WHERE id = ${environmentId}`.pipe(
              Sql.refusedBy(environmentConstraints(request.name, request.gitBranch)),
            )
            // the environment's name is in its services' labels
            if (request.name !== undefined && request.name !== current.name && current.clusterId !== null) {
              yield* feed.touch(current.clusterId)
            }
          }
          return Views.environment(yield* environmentRow(environmentId))
        }),

        removeEnvironment: Effect.fn("Projects.removeEnvironment")(function* (environmentId: string) {
          const removed = Effect.gen(function* () {
            const row = yield* sql`DELETE FROM environments WHERE id = ${environmentId} RETURNING cluster_id`.pipe(
              Effect.flatMap(Sql.decodeFirst(ClusterOf, () => missing("environment", environmentId))),
            )
            yield* touchAfterCommit([row.clusterId])
          })
          return yield* transaction(removed)
        }),

        ensurePlaced: (environmentId: string) => place(environmentId),
      }
      return Projects.of(Sql.edge(methods))
    }),
  )
}
