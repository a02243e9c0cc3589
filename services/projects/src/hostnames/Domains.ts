import { Sql } from "@starform/db"
import { type DomainsApi, Ids, Projects, type ProjectsRpc } from "@starform/domain"
import { Context, DateTime, Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { AuditTrail } from "../AuditTrail.ts"
import {
  type AuditNotRecorded,
  type Missing,
  missing,
  type Refused,
  refused,
  type ValidationFailed,
  violations,
} from "../Errors.ts"
import { DesiredStateFeed } from "../Feed.ts"
import * as Hostnames from "./Hostnames.ts"

/**
 * Generated domains: every public web service holds one hostname, `<name>[-<env>]-<short id>.<base>`, assigned when
 * it is created public or made public and kept across deploys, renames and turns private (it stays the service's,
 * unrouted, until the service is deleted). Its subdomain can be changed to another free one. Hostnames are unique
 * across Starform by `domains_hostname_unique`: of two requests racing for one, the database lets one in and the
 * other hears 409.
 */

/** The base of generated domains: `STARFORM_APP_DOMAIN`, else `starform.app`. */
export const AppDomain = Context.Reference<string>("starform/projects/AppDomain", {
  defaultValue: () => Hostnames.normaliseBase(process.env.STARFORM_APP_DOMAIN ?? Hostnames.defaultBase),
})

const ServiceOf = Schema.Struct({
  id: Ids.ServiceId,
  projectId: Ids.ProjectId,
  environmentId: Ids.EnvironmentId,
  workspaceId: Ids.WorkspaceId,
  name: Schema.String,
  type: Projects.ServiceType,
  isPublic: Schema.Boolean,
  environmentName: Schema.String,
  firstEnvironment: Schema.Boolean,
  clusterId: Schema.NullOr(Ids.ClusterId),
})
type ServiceOf = typeof ServiceOf.Type

const decodeDomains = Sql.decodeRows(Projects.Domain)
const Unassigned = Schema.Struct({ id: Ids.ServiceId })

export const view = (domain: Projects.Domain): DomainsApi.DomainView => ({
  id: domain.id,
  serviceId: domain.serviceId,
  hostname: domain.hostname,
  url: `https://${domain.hostname}`,
  kind: domain.kind,
  status: domain.status,
  createdAt: DateTime.formatIso(domain.createdAt),
})

/** Longer suffixes of the service id, tried in turn when a shorter one's hostname is already someone's. */
const suffixLengths = [Hostnames.shortIdLength, 12, 24]

export class Domains extends Context.Service<
  Domains,
  {
    /** Gives a public web service its generated domain if it has none; nothing for any other service, or none. */
    readonly assign: (serviceId: string) => Effect.Effect<void>
    /**
     * Gives every public web service that has no generated domain one (those made public before domains were
     * generated); run when the service starts. Returns how many it gave.
     */
    readonly backfill: () => Effect.Effect<number>
    readonly list: (serviceId: string) => Effect.Effect<DomainsApi.ServiceDomains, Missing>
    /** Recorded in the audit log with the hostnames before and after; not done when the entry is not taken. */
    readonly changeSubdomain: (
      serviceId: string,
      subdomain: string,
      actor: ProjectsRpc.ActingUser,
    ) => Effect.Effect<DomainsApi.DomainView, Missing | ValidationFailed | Refused | AuditNotRecorded>
  }
>()("starform/projects/Domains") {
  static readonly layer = Layer.effect(
    Domains,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const feed = yield* DesiredStateFeed
      const audit = yield* AuditTrail

      const serviceOf = (serviceId: string) =>
        sql`
          SELECT s.id, s.project_id, s.environment_id, p.workspace_id, s.name, s.type, s.is_public,
            e.name AS environment_name, e.cluster_id,
            e.id = (SELECT f.id FROM environments f WHERE f.project_id = s.project_id ORDER BY f.created_at, f.id LIMIT 1)
              AS first_environment
          FROM services s JOIN environments e ON e.id = s.environment_id JOIN projects p ON p.id = s.project_id
          WHERE s.id = ${serviceId}`.pipe(
          Effect.flatMap(Sql.decodeFirst(ServiceOf, () => missing("service", serviceId))),
        )

      const domainsOf = (service: ServiceOf) =>
        sql`
          SELECT * FROM domains
          WHERE project_id = ${service.projectId} AND environment_id = ${service.environmentId}
            AND service_id = ${service.id}
          ORDER BY kind DESC, created_at, id`.pipe(Effect.flatMap(decodeDomains))

      /** Inserts the generated domain; false when its hostname is already someone else's. */
      const insertGenerated = (service: ServiceOf, hostname: string) =>
        sql`INSERT INTO domains ${sql.insert({
          id: Ids.newId("domain"),
          projectId: service.projectId,
          environmentId: service.environmentId,
          serviceId: service.id,
          hostname,
          kind: "generated",
          status: "active",
        })} ON CONFLICT (service_id) WHERE kind = 'generated' DO NOTHING`.pipe(
          Effect.as(true),
          Sql.refusedBy({ domains_hostname_unique: () => "taken" as const }),
          Effect.catch(() => Effect.succeed(false)),
        )

      const assignTo = Effect.fn("Domains.assignTo")(function* (service: ServiceOf) {
        if (Hostnames.reasonFor(service) !== null) return
        const base = yield* AppDomain
        for (const length of suffixLengths) {
          const hostname = Hostnames.generated({
            serviceName: service.name,
            environmentName: service.firstEnvironment ? null : service.environmentName,
            serviceId: `${service.id.slice(0, 4)}${service.id.slice(4, 4 + length)}`,
            base,
          })
          if (yield* insertGenerated(service, hostname)) return
        }
        return yield* Effect.die(new Error(`no free generated hostname for service ${service.id}`))
      })

      const touch = (service: ServiceOf) => (service.clusterId === null ? Effect.void : feed.touch(service.clusterId))

      const methods = {
        assign: Effect.fn("Domains.assign")(function* (serviceId: string) {
          // a service that is gone has nothing to assign: its caller says so in its own words
          const service = yield* serviceOf(serviceId).pipe(Effect.option)
          if (service._tag === "Some") yield* assignTo(service.value)
        }),

        backfill: Effect.fn("Domains.backfill")(function* () {
          const rows = yield* sql`
            SELECT s.id FROM services s
            WHERE s.type = 'web' AND s.is_public
              AND NOT EXISTS (SELECT 1 FROM domains d WHERE d.service_id = s.id AND d.kind = 'generated')`.pipe(
            Effect.flatMap(Sql.decodeRows(Unassigned)),
          )
          for (const row of rows) {
            const service = yield* serviceOf(row.id).pipe(Effect.option)
            if (service._tag === "None") continue
            yield* assignTo(service.value)
            yield* touch(service.value)
          }
          return rows.length
        }),

        list: Effect.fn("Domains.list")(function* (serviceId: string) {
          const service = yield* serviceOf(serviceId)
          const reason = Hostnames.reasonFor(service)
          if (reason !== null) return { domains: [], reason }
          return { domains: (yield* domainsOf(service)).map(view), reason: null }
        }),

        changeSubdomain: Effect.fn("Domains.changeSubdomain")(function* (
          serviceId: string,
          subdomain: string,
          actor: ProjectsRpc.ActingUser,
        ) {
          const service = yield* serviceOf(serviceId)
          const found = Hostnames.checkSubdomain(subdomain)
          if (found.length > 0) return yield* violations(found)
          const reason = Hostnames.reasonFor(service)
          if (reason !== null) return yield* refused(reason, "subdomain")
          // a service made public before generated domains existed gets one first
          yield* assignTo(service)
          const hostname = Hostnames.hostnameOf(subdomain, yield* AppDomain)
          // one transaction: the change is not kept unless the audit log took it
          const domain = yield* Effect.gen(function* () {
            const [before] = yield* sql`
              SELECT hostname FROM domains WHERE service_id = ${serviceId} AND kind = 'generated' FOR UPDATE`
            const rows = yield* sql`
              UPDATE domains SET hostname = ${hostname}
              WHERE service_id = ${serviceId} AND kind = 'generated'
              RETURNING *`.pipe(
              Sql.refusedBy({
                domains_hostname_unique: () =>
                  refused(`${hostname} is already taken: choose another subdomain.`, "subdomain"),
                domains_hostname_dns_name: () =>
                  refused(`${hostname} is not a valid DNS name: choose a shorter subdomain.`, "subdomain"),
              }),
              Effect.flatMap(decodeDomains),
            )
            const changed = rows[0]
            if (changed === undefined) return yield* Effect.die(new Error(`service ${serviceId} lost its domain`))
            yield* audit.record({
              workspaceId: service.workspaceId,
              actor,
              action: "domain.update",
              targetType: "domain",
              targetId: changed.id,
              metadata: {
                from: before?.hostname ?? null,
                to: changed.hostname,
                serviceId,
                projectId: service.projectId,
                environmentId: service.environmentId,
              },
            })
            return changed
          }).pipe(Sql.transaction(sql))
          yield* touch(service)
          return view(domain)
        }),
      }
      const domains = Domains.of(Sql.edge(methods))
      const given = yield* domains.backfill()
      if (given > 0) yield* Effect.logInfo(`domains: gave ${given} public services their generated domain`)
      return domains
    }),
  )
}
