import { Sql } from "@starform/db"
import { Ids, ServiceConfig, type ServicesApi } from "@starform/domain"
import { Context, Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { type Missing, missing, type Refused, refused, type ValidationFailed, violations } from "./Errors.ts"
import { DesiredStateFeed } from "./Feed.ts"
import { Domains } from "./hostnames/Domains.ts"
import { type ServiceShape, validateService } from "./Validation.ts"
import * as Views from "./Views.ts"

/**
 * Services: web services, workers and cron jobs with their source and configuration. Every change is checked
 * whole (`Validation`) before it is written; configuration takes effect at the service's next deploy, which
 * freezes it into the deployment.
 */

type Errors = ValidationFailed | Missing | Refused

const encodeConfig = Schema.encodeSync(ServiceConfig.ServiceConfig)
const decodeServices = Sql.decodeRows(Views.ServiceRow)
const ProjectOf = Schema.Struct({ projectId: Ids.ProjectId })
const ClusterOf = Schema.Struct({ clusterId: Schema.NullOr(Ids.ClusterId) })

const columnsOf = (shape: ServiceShape, source: ServicesApi.ServiceSource) => ({
  name: shape.name,
  type: shape.type,
  sourceType: source.type,
  repoFullName: source.type === "repo" ? source.repoFullName : null,
  branch: source.type === "repo" ? source.branch : null,
  rootDirectory: source.type === "repo" ? source.rootDirectory : "/",
  imageRef: source.type === "image" ? source.imageRef : null,
  port: shape.port,
  cronSchedule: shape.cronSchedule,
  isPublic: shape.isPublic,
  config: JSON.stringify(encodeConfig(shape.config)),
})

const shapeOf = (
  fields: Omit<ServiceShape, "sourceType" | "repoFullName" | "branch" | "imageRef">,
  source: ServicesApi.ServiceSource,
): ServiceShape => ({
  ...fields,
  sourceType: source.type,
  repoFullName: source.type === "repo" ? source.repoFullName : null,
  branch: source.type === "repo" ? source.branch : null,
  imageRef: source.type === "image" ? source.imageRef : null,
})

const nameTaken = (name: string) => () =>
  refused(`A service named ${name} already exists in this environment: choose another name.`, "name")

export class Services extends Context.Service<
  Services,
  {
    readonly list: (environmentId: string) => Effect.Effect<ReadonlyArray<ServicesApi.ServiceView>, Missing>
    readonly create: (
      environmentId: string,
      request: ServicesApi.CreateServiceRequest,
    ) => Effect.Effect<ServicesApi.ServiceView, Errors>
    readonly get: (serviceId: string) => Effect.Effect<ServicesApi.ServiceView, Missing>
    readonly update: (
      serviceId: string,
      request: ServicesApi.UpdateServiceRequest,
    ) => Effect.Effect<ServicesApi.ServiceView, Errors>
    readonly remove: (serviceId: string) => Effect.Effect<void, Missing>
  }
>()("starform/projects/Services") {
  static readonly layer = Layer.effect(
    Services,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const feed = yield* DesiredStateFeed
      const domains = yield* Domains

      const select = (where: { readonly serviceId?: string; readonly environmentId?: string }) =>
        sql`
          SELECT s.*, (SELECT d.id FROM deployments d WHERE d.service_id = s.id AND d.status = 'active')
            AS active_deployment_id,
            ARRAY(
              -- the whole tenant key, so the lookup uses domains_tenant_idx
              SELECT h.hostname FROM domains h
              WHERE h.project_id = s.project_id AND h.environment_id = s.environment_id AND h.service_id = s.id
              ORDER BY h.kind DESC, h.created_at, h.id)
            AS hostnames
          FROM services s
          WHERE ${sql.and([
            ...(where.serviceId === undefined ? [] : [sql`s.id = ${where.serviceId}`]),
            ...(where.environmentId === undefined ? [] : [sql`s.environment_id = ${where.environmentId}`]),
          ])}
          ORDER BY s.name`.pipe(Effect.flatMap(decodeServices))

      const get = (serviceId: string) =>
        select({ serviceId }).pipe(
          Effect.flatMap((rows) =>
            rows[0] === undefined ? Effect.fail(missing("service", serviceId)) : Effect.succeed(Views.service(rows[0])),
          ),
        )

      const check = (shape: ServiceShape) => {
        const found = validateService(shape)
        return found.length > 0 ? Effect.fail(violations(found)) : Effect.void
      }

      const methods = {
        list: Effect.fn("Services.list")(function* (environmentId: string) {
          const environments = yield* sql`SELECT 1 FROM environments WHERE id = ${environmentId}`
          if (environments.length === 0) return yield* missing("environment", environmentId)
          return (yield* select({ environmentId })).map(Views.service)
        }),

        create: Effect.fn("Services.create")(function* (
          environmentId: string,
          request: ServicesApi.CreateServiceRequest,
        ) {
          const environment = yield* sql`SELECT project_id FROM environments WHERE id = ${environmentId}`.pipe(
            Effect.flatMap(Sql.decodeFirst(ProjectOf, () => missing("environment", environmentId))),
          )
          const shape = shapeOf(
            {
              name: request.name,
              type: request.type,
              port: request.port ?? null,
              cronSchedule: request.cronSchedule ?? null,
              isPublic: request.isPublic ?? false,
              config: request.config ?? ServiceConfig.defaults,
            },
            request.source,
          )
          yield* check(shape)
          const id = Ids.newId("service")
          yield* sql`INSERT INTO services ${sql.insert({
            id,
            projectId: environment.projectId,
            environmentId,
            ...columnsOf(shape, request.source),
            autoDeploy: request.autoDeploy ?? true,
          })}`.pipe(Sql.refusedBy({ services_name_unique_per_environment: nameTaken(request.name) }))
          yield* domains.assign(id)
          return yield* get(id)
        }),

        get,

        update: Effect.fn("Services.update")(function* (serviceId: string, request: ServicesApi.UpdateServiceRequest) {
          const current = yield* get(serviceId)
          const source = request.source ?? current.source
          const shape = shapeOf(
            {
              name: request.name ?? current.name,
              type: request.type ?? current.type,
              port: request.port !== undefined ? request.port : current.port,
              cronSchedule: request.cronSchedule !== undefined ? request.cronSchedule : current.cronSchedule,
              isPublic: request.isPublic ?? current.isPublic,
              config:
                request.config === undefined
                  ? current.config
                  : ServiceConfig.applyPatch(current.config, request.config),
            },
            source,
          )
          yield* check(shape)
          yield* sql`UPDATE services SET ${sql.update({
            ...columnsOf(shape, source),
            autoDeploy: request.autoDeploy ?? current.autoDeploy,
            // a person turning auto-deploy back on clears the reason Starform gave for turning it off
            ...(request.autoDeploy === true ? { autoDeployDisabledReason: null } : {}),
          })} WHERE id = ${serviceId}`.pipe(
            Sql.refusedBy({ services_name_unique_per_environment: nameTaken(shape.name) }),
          )
          // made public: it gets its generated domain now (a service that had one keeps it)
          yield* domains.assign(serviceId)
          return yield* get(serviceId)
        }),

        remove: Effect.fn("Services.remove")(function* (serviceId: string) {
          const row = yield* sql`
            DELETE FROM services s USING environments e
            WHERE s.id = ${serviceId} AND e.id = s.environment_id
            RETURNING e.cluster_id`.pipe(
            Effect.flatMap(Sql.decodeFirst(ClusterOf, () => missing("service", serviceId))),
          )
          if (row.clusterId !== null) yield* feed.touch(row.clusterId)
        }),
      }
      return Services.of(Sql.edge(methods))
    }),
  )
}
