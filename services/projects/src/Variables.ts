import { Catalog, FieldCrypto } from "@starform/crypto"
import { Ids, type ProjectsRpc, VariablesApi } from "@starform/domain"
import { Context, Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as AuditTrail from "./AuditTrail.ts"
import {
  type Conflict,
  conflict,
  invalid,
  type NotFound,
  notFound,
  refusedBy,
  type ValidationFailed,
} from "./Errors.ts"
import * as Precedence from "./Precedence.ts"
import * as References from "./References.ts"

/**
 * Variables of services and var groups. Values are sealed with `packages/crypto` before they are written and
 * never leave this module in clear except resolved for a deployment, or revealed — which is audited in the same
 * transaction. Every write is checked for references the service could not resolve (a cycle, an unknown service
 * or variable), and refused whole, naming the variable and the chain of references.
 */

type Errors = ValidationFailed | NotFound | Conflict

const iso = (date: Date) => date.toISOString()

interface EntryRow {
  readonly varGroupId: string
  readonly key: string
  readonly environmentId: string | null
  readonly valueCiphertext: string
  readonly updatedAt: Date
}

interface GroupRow {
  readonly id: string
  readonly projectId: string
  readonly name: string
  readonly description: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

export class Variables extends Context.Service<
  Variables,
  {
    readonly listService: (serviceId: string) => Effect.Effect<ReadonlyArray<VariablesApi.VariableView>, NotFound>
    readonly setService: (
      serviceId: string,
      variables: Readonly<Record<string, string>>,
    ) => Effect.Effect<ReadonlyArray<VariablesApi.VariableView>, Errors>
    readonly deleteService: (serviceId: string, key: string) => Effect.Effect<void, NotFound>
    readonly revealService: (
      serviceId: string,
      key: string,
      actor: ProjectsRpc.ActingUser,
    ) => Effect.Effect<VariablesApi.RevealedVariable, NotFound>
    readonly listLinks: (serviceId: string) => Effect.Effect<ReadonlyArray<VariablesApi.VarGroupLink>, NotFound>
    readonly link: (
      serviceId: string,
      varGroupIds: ReadonlyArray<string>,
    ) => Effect.Effect<ReadonlyArray<VariablesApi.VarGroupLink>, Errors>
    readonly listGroups: (projectId: string) => Effect.Effect<ReadonlyArray<VariablesApi.VarGroupView>, NotFound>
    readonly createGroup: (
      projectId: string,
      request: VariablesApi.CreateVarGroupRequest,
    ) => Effect.Effect<VariablesApi.VarGroupView, Errors>
    readonly getGroup: (varGroupId: string) => Effect.Effect<VariablesApi.VarGroupView, NotFound>
    readonly updateGroup: (
      varGroupId: string,
      request: VariablesApi.UpdateVarGroupRequest,
    ) => Effect.Effect<VariablesApi.VarGroupView, Errors>
    readonly deleteGroup: (varGroupId: string) => Effect.Effect<void, NotFound>
    readonly setGroup: (
      varGroupId: string,
      request: VariablesApi.SetVarGroupVariablesRequest,
    ) => Effect.Effect<VariablesApi.VarGroupView, Errors>
    readonly deleteGroupEntry: (
      varGroupId: string,
      key: string,
      environmentId: string | null,
    ) => Effect.Effect<void, NotFound>
    readonly revealGroupEntry: (
      varGroupId: string,
      key: string,
      environmentId: string | null,
      actor: ProjectsRpc.ActingUser,
    ) => Effect.Effect<VariablesApi.RevealedVariable, NotFound>
    /** The service's variables as a deployment sees them: precedence applied, references substituted. */
    readonly resolve: (serviceId: string) => Effect.Effect<ReadonlyMap<string, string>, ValidationFailed | NotFound>
  }
>()("starform/projects/Variables") {
  static readonly layer = Layer.effect(
    Variables,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const crypto = yield* FieldCrypto

      const seal = (value: string) => crypto.encrypt(value, Catalog.serviceVariableValue)
      const sealGroup = (value: string) => crypto.encrypt(value, Catalog.varGroupEntryValue)
      const openService = (sealed: string) => Effect.orDie(crypto.decrypt(sealed, Catalog.serviceVariableValue))
      const openGroup = (sealed: string) => Effect.orDie(crypto.decrypt(sealed, Catalog.varGroupEntryValue))

      const serviceRow = (serviceId: string) =>
        sql<{
          readonly id: string
          readonly name: string
          readonly projectId: string
          readonly environmentId: string
          readonly workspaceId: string
        }>`
          SELECT s.id, s.name, s.project_id, s.environment_id, p.workspace_id
          FROM services s JOIN projects p ON p.id = s.project_id WHERE s.id = ${serviceId}`.pipe(
          Effect.orDie,
          Effect.flatMap((rows) =>
            rows[0] === undefined ? Effect.fail(notFound("service", serviceId)) : Effect.succeed(rows[0]),
          ),
        )

      const groupRow = (varGroupId: string) =>
        sql<GroupRow & { readonly workspaceId: string }>`
          SELECT g.*, p.workspace_id FROM var_groups g JOIN projects p ON p.id = g.project_id WHERE g.id = ${varGroupId}`.pipe(
          Effect.orDie,
          Effect.flatMap((rows) =>
            rows[0] === undefined ? Effect.fail(notFound("var group", varGroupId)) : Effect.succeed(rows[0]),
          ),
        )

      const groupView = Effect.fn("Variables.groupView")(function* (group: GroupRow) {
        const entries = yield* sql<EntryRow>`
          SELECT var_group_id, key, environment_id, value_ciphertext, updated_at FROM var_group_entries
          WHERE var_group_id = ${group.id} ORDER BY key, environment_id NULLS FIRST`.pipe(Effect.orDie)
        return {
          id: group.id,
          projectId: group.projectId,
          name: group.name,
          description: group.description,
          entries: entries.map((entry) => ({
            key: entry.key,
            environmentId: entry.environmentId,
            value: VariablesApi.mask,
            updatedAt: iso(entry.updatedAt),
          })),
          createdAt: iso(group.createdAt),
          updatedAt: iso(group.updatedAt),
        } as unknown as VariablesApi.VarGroupView
      })

      /** Every service of the environment with its variables in clear, as reference resolution needs them. */
      const environmentVariables = Effect.fn("Variables.environmentVariables")(function* (environmentId: string) {
        const services = yield* sql<{ readonly id: string; readonly name: string }>`
          SELECT id, name FROM services WHERE environment_id = ${environmentId}`
        const own = yield* sql<{ readonly serviceId: string; readonly key: string; readonly valueCiphertext: string }>`
          SELECT service_id, key, value_ciphertext FROM service_variables WHERE environment_id = ${environmentId}`
        const links = yield* sql<{
          readonly serviceId: string
          readonly varGroupId: string
          readonly position: number
        }>`
          SELECT service_id, var_group_id, position FROM service_var_groups WHERE environment_id = ${environmentId}`
        const groupIds = [...new Set(links.map((link) => link.varGroupId))]
        const entries =
          groupIds.length === 0
            ? []
            : yield* sql<EntryRow>`
                SELECT var_group_id, key, environment_id, value_ciphertext, updated_at FROM var_group_entries
                WHERE ${sql.in("var_group_id", groupIds)}
                  AND (environment_id IS NULL OR environment_id = ${environmentId})`
        const groups = new Map<string, { defaults: Map<string, string>; overrides: Map<string, string> }>()
        for (const entry of entries) {
          const group = groups.get(entry.varGroupId) ?? { defaults: new Map(), overrides: new Map() }
          const value = yield* openGroup(entry.valueCiphertext)
          ;(entry.environmentId === null ? group.defaults : group.overrides).set(entry.key, value)
          groups.set(entry.varGroupId, group)
        }
        const ownBy = new Map<string, Map<string, string>>()
        for (const variable of own) {
          const map = ownBy.get(variable.serviceId) ?? new Map<string, string>()
          map.set(variable.key, yield* openService(variable.valueCiphertext))
          ownBy.set(variable.serviceId, map)
        }
        return services.map((service): References.ServiceVariables & { readonly id: string } => {
          const linked = links
            .filter((link) => link.serviceId === service.id)
            .map((link) => ({
              position: link.position,
              defaults: groups.get(link.varGroupId)?.defaults ?? new Map<string, string>(),
              overrides: groups.get(link.varGroupId)?.overrides ?? new Map<string, string>(),
            }))
          const merged = Precedence.merge(linked, ownBy.get(service.id) ?? new Map())
          return { id: service.id, name: service.name, variables: merged.variables, shared: merged.shared }
        })
      }, Effect.orDie)

      const refusal = (problem: References.Unresolvable, field: string) =>
        invalid(field, "reference", `cannot be resolved: ${problem.message}`)

      /** Refuses the write (inside its transaction) if any of `serviceIds` can no longer resolve its variables. */
      const checkServices = Effect.fn("Variables.checkServices")(function* (
        environmentId: string,
        serviceIds: ReadonlyArray<string>,
        fieldOf: (problem: References.Unresolvable) => string,
      ) {
        const all = yield* environmentVariables(environmentId)
        for (const service of all.filter((candidate) => serviceIds.includes(candidate.id))) {
          const problem = References.check(service.name, all)
          if (problem !== undefined) return yield* refusal(problem, fieldOf(problem))
        }
      })

      const listService = (serviceId: string) =>
        sql<{ readonly key: string; readonly updatedAt: Date }>`
          SELECT key, updated_at FROM service_variables WHERE service_id = ${serviceId} ORDER BY key`.pipe(
          Effect.orDie,
          Effect.map((rows) =>
            rows.map(
              (row) =>
                ({
                  key: row.key,
                  value: VariablesApi.mask,
                  updatedAt: iso(row.updatedAt),
                }) as VariablesApi.VariableView,
            ),
          ),
        )

      const transaction = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        sql.withTransaction(effect).pipe(Effect.catchTag("SqlError", Effect.die)) as Effect.Effect<
          A,
          Exclude<E, { readonly _tag: "SqlError" }>,
          R
        >

      const linkedServices = (varGroupId: string, environmentId: string | null) =>
        sql<{ readonly serviceId: string; readonly environmentId: string }>`
          SELECT service_id, environment_id FROM service_var_groups
          WHERE var_group_id = ${varGroupId} AND (${environmentId}::text IS NULL OR environment_id = ${environmentId})`.pipe(
          Effect.orDie,
        )

      const checkGroup = Effect.fn("Variables.checkGroup")(function* (
        varGroupId: string,
        environmentId: string | null,
        keys: ReadonlyArray<string>,
      ) {
        const linked = yield* linkedServices(varGroupId, environmentId)
        for (const environment of new Set(linked.map((link) => link.environmentId))) {
          yield* checkServices(
            environment,
            linked.filter((link) => link.environmentId === environment).map((link) => link.serviceId),
            (problem) => `variables.${fieldKey(problem, keys)}`,
          )
        }
      })

      return Variables.of({
        listService: Effect.fn("Variables.listService")(function* (serviceId) {
          yield* serviceRow(serviceId)
          return yield* listService(serviceId)
        }),

        setService: Effect.fn("Variables.setService")(function* (serviceId, variables) {
          const service = yield* serviceRow(serviceId)
          const keys = Object.keys(variables)
          yield* transaction(
            Effect.gen(function* () {
              for (const key of keys) {
                const sealed = yield* seal(variables[key]!)
                yield* sql`
                  INSERT INTO service_variables ${sql.insert({
                    id: Ids.newId("serviceVariable"),
                    projectId: service.projectId,
                    environmentId: service.environmentId,
                    serviceId,
                    key,
                    valueCiphertext: sealed,
                  })}
                  ON CONFLICT (service_id, key) DO UPDATE SET value_ciphertext = EXCLUDED.value_ciphertext`
              }
              yield* checkServices(
                service.environmentId,
                [serviceId],
                (problem) => `variables.${fieldKey(problem, keys)}`,
              )
            }),
          )
          return yield* listService(serviceId)
        }),

        deleteService: Effect.fn("Variables.deleteService")(function* (serviceId, key) {
          const rows =
            yield* sql`DELETE FROM service_variables WHERE service_id = ${serviceId} AND key = ${key} RETURNING id`.pipe(
              Effect.orDie,
            )
          if (rows.length === 0) return yield* notFound("variable", key)
        }),

        revealService: Effect.fn("Variables.revealService")(function* (serviceId, key, actor) {
          const service = yield* serviceRow(serviceId)
          return yield* transaction(
            Effect.gen(function* () {
              const rows = yield* sql<{ readonly valueCiphertext: string }>`
                SELECT value_ciphertext FROM service_variables WHERE service_id = ${serviceId} AND key = ${key}`
              if (rows[0] === undefined) return yield* notFound("variable", key)
              const value = yield* openService(rows[0].valueCiphertext)
              yield* AuditTrail.record(sql, {
                workspaceId: service.workspaceId,
                actor,
                action: "variable.reveal",
                targetType: "service",
                targetId: serviceId,
                metadata: { key, projectId: service.projectId, environmentId: service.environmentId },
              })
              return { key, value } as VariablesApi.RevealedVariable
            }),
          )
        }),

        listLinks: Effect.fn("Variables.listLinks")(function* (serviceId) {
          yield* serviceRow(serviceId)
          return yield* sql<VariablesApi.VarGroupLink>`
            SELECT l.var_group_id, g.name, l.position FROM service_var_groups l JOIN var_groups g ON g.id = l.var_group_id
            WHERE l.service_id = ${serviceId} ORDER BY l.position`.pipe(Effect.orDie)
        }),

        link: Effect.fn("Variables.link")(function* (serviceId, varGroupIds) {
          const service = yield* serviceRow(serviceId)
          const duplicate = varGroupIds.find((id, index) => varGroupIds.indexOf(id) !== index)
          if (duplicate !== undefined) {
            return yield* invalid("varGroupIds", "unique", `must list each group once: ${duplicate} appears twice`)
          }
          yield* transaction(
            Effect.gen(function* () {
              yield* sql`DELETE FROM service_var_groups WHERE service_id = ${serviceId}`
              for (const [position, varGroupId] of varGroupIds.entries()) {
                yield* sql`INSERT INTO service_var_groups ${sql.insert({
                  projectId: service.projectId,
                  environmentId: service.environmentId,
                  serviceId,
                  varGroupId,
                  position,
                })}`.pipe(
                  // a group of another project reads exactly like a missing one
                  refusedBy({ service_var_groups_group_in_service_project: () => notFound("var group", varGroupId) }),
                )
              }
              yield* checkServices(service.environmentId, [serviceId], (problem) => `varGroupIds (${problem.path[0]})`)
            }),
          )
          return yield* sql<VariablesApi.VarGroupLink>`
            SELECT l.var_group_id, g.name, l.position FROM service_var_groups l JOIN var_groups g ON g.id = l.var_group_id
            WHERE l.service_id = ${serviceId} ORDER BY l.position`.pipe(Effect.orDie)
        }),

        listGroups: Effect.fn("Variables.listGroups")(function* (projectId) {
          const projects = yield* sql`SELECT 1 FROM projects WHERE id = ${projectId}`.pipe(Effect.orDie)
          if (projects.length === 0) return yield* notFound("project", projectId)
          const groups =
            yield* sql<GroupRow>`SELECT * FROM var_groups WHERE project_id = ${projectId} ORDER BY name`.pipe(
              Effect.orDie,
            )
          return yield* Effect.forEach(groups, groupView)
        }),

        createGroup: Effect.fn("Variables.createGroup")(function* (projectId, request) {
          const id = Ids.newId("varGroup")
          yield* transaction(
            Effect.gen(function* () {
              yield* sql`INSERT INTO var_groups ${sql.insert({
                id,
                projectId,
                name: request.name,
                description: request.description ?? null,
              })}`.pipe(
                refusedBy({
                  var_groups_name_unique_per_project: () =>
                    conflict(`A var group named ${request.name} already exists in this project.`, "name"),
                  var_groups_project_fk: () => notFound("project", projectId),
                }),
              )
              for (const [key, value] of Object.entries(request.variables ?? {})) {
                yield* sql`INSERT INTO var_group_entries ${sql.insert({
                  id: Ids.newId("varGroupEntry"),
                  projectId,
                  varGroupId: id,
                  key,
                  environmentId: null,
                  valueCiphertext: yield* sealGroup(value),
                })}`
              }
            }),
          )
          return yield* groupView(yield* groupRow(id))
        }),

        getGroup: Effect.fn("Variables.getGroup")(function* (varGroupId) {
          return yield* groupView(yield* groupRow(varGroupId))
        }),

        updateGroup: Effect.fn("Variables.updateGroup")(function* (varGroupId, request) {
          const group = yield* groupRow(varGroupId)
          const changes = Object.fromEntries(
            Object.entries({ name: request.name, description: request.description }).filter(
              ([, value]) => value !== undefined,
            ),
          )
          if (Object.keys(changes).length > 0) {
            yield* sql`UPDATE var_groups SET ${sql.update(changes)} WHERE id = ${varGroupId}`.pipe(
              refusedBy({
                var_groups_name_unique_per_project: () =>
                  conflict(`A var group named ${request.name} already exists in this project.`, "name"),
              }),
            )
          }
          return yield* groupView(yield* groupRow(group.id))
        }),

        deleteGroup: Effect.fn("Variables.deleteGroup")(function* (varGroupId) {
          const rows = yield* sql`DELETE FROM var_groups WHERE id = ${varGroupId} RETURNING id`.pipe(Effect.orDie)
          if (rows.length === 0) return yield* notFound("var group", varGroupId)
        }),

        setGroup: Effect.fn("Variables.setGroup")(function* (varGroupId, request) {
          const group = yield* groupRow(varGroupId)
          const environmentId = request.environmentId ?? null
          if (environmentId !== null) {
            const environments = yield* sql`
              SELECT 1 FROM environments WHERE id = ${environmentId} AND project_id = ${group.projectId}`.pipe(
              Effect.orDie,
            )
            if (environments.length === 0) {
              return yield* invalid(
                "environmentId",
                "exists",
                `must be an environment of this group's project: there is no environment ${environmentId}`,
              )
            }
          }
          const keys = Object.keys(request.variables)
          yield* transaction(
            Effect.gen(function* () {
              for (const key of keys) {
                const sealed = yield* sealGroup((request.variables as Readonly<Record<string, string>>)[key]!)
                yield* sql`
                  INSERT INTO var_group_entries ${sql.insert({
                    id: Ids.newId("varGroupEntry"),
                    projectId: group.projectId,
                    varGroupId,
                    key,
                    environmentId,
                    valueCiphertext: sealed,
                  })}
                  ON CONFLICT (var_group_id, key, environment_id) DO UPDATE SET value_ciphertext = EXCLUDED.value_ciphertext`
              }
              yield* checkGroup(varGroupId, environmentId, keys)
            }),
          )
          return yield* groupView(group)
        }),

        deleteGroupEntry: Effect.fn("Variables.deleteGroupEntry")(function* (varGroupId, key, environmentId) {
          const rows = yield* sql`
            DELETE FROM var_group_entries WHERE var_group_id = ${varGroupId} AND key = ${key}
              AND environment_id IS NOT DISTINCT FROM ${environmentId} RETURNING id`.pipe(Effect.orDie)
          if (rows.length === 0) return yield* notFound("variable", key)
        }),

        revealGroupEntry: Effect.fn("Variables.revealGroupEntry")(function* (varGroupId, key, environmentId, actor) {
          const group = yield* groupRow(varGroupId)
          return yield* transaction(
            Effect.gen(function* () {
              const rows = yield* sql<{ readonly valueCiphertext: string }>`
                SELECT value_ciphertext FROM var_group_entries WHERE var_group_id = ${varGroupId} AND key = ${key}
                  AND environment_id IS NOT DISTINCT FROM ${environmentId}`
              if (rows[0] === undefined) return yield* notFound("variable", key)
              const value = yield* openGroup(rows[0].valueCiphertext)
              yield* AuditTrail.record(sql, {
                workspaceId: group.workspaceId,
                actor,
                action: "variable.reveal",
                targetType: "var_group",
                targetId: varGroupId,
                metadata: { key, projectId: group.projectId, environmentId },
              })
              return { key, value } as VariablesApi.RevealedVariable
            }),
          )
        }),

        resolve: Effect.fn("Variables.resolve")(function* (serviceId) {
          const service = yield* serviceRow(serviceId)
          const all = yield* environmentVariables(service.environmentId)
          const outcome = References.resolveService(service.name, all)
          if (outcome._tag === "Unresolvable")
            return yield* refusal(outcome, `variables.${outcome.path[0]!.split(".").slice(1).join(".")}`)
          return outcome.variables
        }),
      })
    }),
  )
}

/** The key a refusal names: the written key the chain starts from, else the first written key. */
const fieldKey = (problem: References.Unresolvable, written: ReadonlyArray<string>) => {
  const first = problem.path[0] ?? ""
  const key = first.slice(first.indexOf(".") + 1)
  return written.includes(key) ? key : (written[0] ?? key)
}
