import { Catalog, FieldCrypto } from "@starform/crypto"
import { Sql } from "@starform/db"
import { Ids, type ProjectsRpc, Variables as Tables, VariablesApi } from "@starform/domain"
import { Context, DateTime, Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { AuditTrail } from "./AuditTrail.ts"
import * as EnvironmentVariables from "./EnvironmentVariables.ts"
import type { AuditNotRecorded, Invalid, Missing, Refused, ValidationFailed } from "./Errors.ts"
import { breaks, missing, refused } from "./Errors.ts"
import * as References from "./References.ts"
import * as Views from "./Views.ts"

/**
 * Variables of services and var groups. Values are sealed with `packages/crypto` before they are written and
 * never leave this module in clear except resolved for a deployment, or revealed — which is recorded in the audit
 * log first. Every write is checked for references the service could not resolve (a cycle, an unknown service or
 * variable), and refused whole, naming the variable and the chain of references.
 */

type Errors = ValidationFailed | Invalid | Missing | Refused

/** The service a variable belongs to, with its project's workspace (`services`, `projects`). */
const ServiceOfVariables = Schema.Struct({
  id: Ids.ServiceId,
  name: Schema.String,
  projectId: Ids.ProjectId,
  environmentId: Ids.EnvironmentId,
  workspaceId: Ids.WorkspaceId,
})
const Group = Tables.VarGroup
type Group = Tables.VarGroup
const GroupInWorkspace = Schema.Struct({ ...Tables.VarGroup.fields, workspaceId: Ids.WorkspaceId })
const KeySet = Schema.Struct({
  key: Tables.ServiceVariable.fields.key,
  updatedAt: Tables.ServiceVariable.fields.updatedAt,
})
const Sealed = Schema.Struct({ valueCiphertext: Schema.String })
/** A revealed value under its key: the key was found stored, so it is a valid one (a defect otherwise). */
const revealed = (key: string, value: string) =>
  Effect.orDie(Schema.decodeUnknownEffect(VariablesApi.RevealedVariable)({ key, value }))
const Linked = Schema.Struct({ serviceId: Ids.ServiceId, environmentId: Ids.EnvironmentId })

export class Variables extends Context.Service<
  Variables,
  {
    readonly listService: (serviceId: string) => Effect.Effect<ReadonlyArray<VariablesApi.VariableView>, Missing>
    readonly setService: (
      serviceId: string,
      variables: Readonly<Record<string, string>>,
    ) => Effect.Effect<ReadonlyArray<VariablesApi.VariableView>, Errors>
    readonly deleteService: (serviceId: string, key: string) => Effect.Effect<void, Missing>
    readonly revealService: (
      serviceId: string,
      key: string,
      actor: ProjectsRpc.ActingUser,
    ) => Effect.Effect<VariablesApi.RevealedServiceVariable, Missing | AuditNotRecorded>
    readonly listLinks: (serviceId: string) => Effect.Effect<ReadonlyArray<VariablesApi.VarGroupLink>, Missing>
    readonly link: (
      serviceId: string,
      varGroupIds: ReadonlyArray<string>,
    ) => Effect.Effect<ReadonlyArray<VariablesApi.VarGroupLink>, Errors>
    readonly listGroups: (projectId: string) => Effect.Effect<ReadonlyArray<VariablesApi.VarGroupView>, Missing>
    readonly createGroup: (
      projectId: string,
      request: VariablesApi.CreateVarGroupRequest,
    ) => Effect.Effect<VariablesApi.VarGroupView, Errors>
    readonly getGroup: (varGroupId: string) => Effect.Effect<VariablesApi.VarGroupView, Missing>
    readonly updateGroup: (
      varGroupId: string,
      request: VariablesApi.UpdateVarGroupRequest,
    ) => Effect.Effect<VariablesApi.VarGroupView, Errors>
    readonly deleteGroup: (varGroupId: string) => Effect.Effect<void, Missing>
    readonly setGroup: (
      varGroupId: string,
      request: VariablesApi.SetVarGroupVariablesRequest,
    ) => Effect.Effect<VariablesApi.VarGroupView, Errors>
    readonly deleteGroupEntry: (
      varGroupId: string,
      key: string,
      environmentId: string | null,
    ) => Effect.Effect<void, Missing>
    readonly revealGroupEntry: (
      varGroupId: string,
      key: string,
      environmentId: string | null,
      actor: ProjectsRpc.ActingUser,
    ) => Effect.Effect<VariablesApi.RevealedVariable, Missing | AuditNotRecorded>
    /** The service's variables as a deployment sees them: precedence applied, references substituted. */
    readonly resolve: (serviceId: string) => Effect.Effect<ReadonlyMap<string, string>, Invalid | Missing>
  }
>()("starform/projects/Variables") {
  static readonly layer = Layer.effect(
    Variables,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const crypto = yield* FieldCrypto
      const audit = yield* AuditTrail
      const transaction = Sql.transaction(sql)

      const seal = (value: string) => crypto.encrypt(value, Catalog.serviceVariableValue)
      const sealGroup = (value: string) => crypto.encrypt(value, Catalog.varGroupEntryValue)
      const openService = (sealed: string) => Effect.orDie(crypto.decrypt(sealed, Catalog.serviceVariableValue))
      const openGroup = (sealed: string) => Effect.orDie(crypto.decrypt(sealed, Catalog.varGroupEntryValue))

      const serviceRow = (serviceId: string) =>
        sql`
          SELECT s.id, s.name, s.project_id, s.environment_id, p.workspace_id
          FROM services s JOIN projects p ON p.id = s.project_id WHERE s.id = ${serviceId}`.pipe(
          Effect.flatMap(Sql.decodeFirst(ServiceOfVariables, () => missing("service", serviceId))),
        )

      const groupRow = (varGroupId: string) =>
        sql`
          SELECT g.*, p.workspace_id FROM var_groups g JOIN projects p ON p.id = g.project_id WHERE g.id = ${varGroupId}`.pipe(
          Effect.flatMap(Sql.decodeFirst(GroupInWorkspace, () => missing("var group", varGroupId))),
        )

      const groupView = Effect.fn("Variables.groupView")(function* (group: Group) {
        const entries = yield* sql`
          SELECT var_group_id, key, environment_id, value_ciphertext, updated_at FROM var_group_entries
          WHERE var_group_id = ${group.id} ORDER BY key, environment_id NULLS FIRST`.pipe(
          Effect.flatMap(Sql.decodeRows(EnvironmentVariables.Entry)),
        )
        return {
          id: group.id,
          projectId: group.projectId,
          name: group.name,
          description: group.description,
          entries: entries.map((entry) => ({ ...Views.variable(entry), environmentId: entry.environmentId })),
          createdAt: DateTime.formatIso(group.createdAt),
          updatedAt: DateTime.formatIso(group.updatedAt),
        }
      })

      const refusal = (problem: References.Unresolvable, field: string) =>
        breaks(field, "reference", `cannot be resolved: ${problem.message}`)

      /** Refuses the write (inside its transaction) if any of `serviceIds` can no longer resolve its variables. */
      const checkServices = Effect.fn("Variables.checkServices")(function* (
        environmentId: string,
        serviceIds: ReadonlyArray<string>,
        fieldOf: (problem: References.Unresolvable) => string,
      ) {
        const all = yield* EnvironmentVariables.load(sql, crypto, environmentId)
        for (const service of all.filter((candidate) => serviceIds.includes(candidate.id))) {
          const problem = References.check(service.name, all)
          if (problem !== undefined) return yield* refusal(problem, fieldOf(problem))
        }
      })

      const listService = (serviceId: string) =>
        sql`SELECT key, updated_at FROM service_variables WHERE service_id = ${serviceId} ORDER BY key`.pipe(
          Effect.flatMap(Sql.decodeRows(KeySet)),
          Effect.map((rows) => rows.map(Views.variable)),
        )

      const listLinks = (serviceId: string) =>
        sql`
          SELECT l.var_group_id, g.name, l.position FROM service_var_groups l JOIN var_groups g ON g.id = l.var_group_id
          WHERE l.service_id = ${serviceId} ORDER BY l.position`.pipe(
          Effect.flatMap(Sql.decodeRows(VariablesApi.VarGroupLink)),
        )

      const checkGroup = Effect.fn("Variables.checkGroup")(function* (
        varGroupId: string,
        environmentId: string | null,
        keys: ReadonlyArray<string>,
      ) {
        const linked = yield* sql`
          SELECT service_id, environment_id FROM service_var_groups
          WHERE var_group_id = ${varGroupId} AND (${environmentId}::text IS NULL OR environment_id = ${environmentId})`.pipe(
          Effect.flatMap(Sql.decodeRows(Linked)),
        )
        for (const environment of new Set(linked.map((link) => link.environmentId))) {
          yield* checkServices(
            environment,
            linked.filter((link) => link.environmentId === environment).map((link) => link.serviceId),
            (problem) => `variables.${References.fieldKey(problem, keys)}`,
          )
        }
      })

      const nameTaken = (name: string) => () =>
        refused(`A var group named ${name} already exists in this project.`, "name")

      const methods = {
        listService: Effect.fn("Variables.listService")(function* (serviceId: string) {
          yield* serviceRow(serviceId)
          return yield* listService(serviceId)
        }),

        setService: Effect.fn("Variables.setService")(function* (
          serviceId: string,
          variables: Readonly<Record<string, string>>,
        ) {
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
                (problem) => `variables.${References.fieldKey(problem, keys)}`,
              )
            }),
          )
          return yield* listService(serviceId)
        }),

        deleteService: Effect.fn("Variables.deleteService")(function* (serviceId: string, key: string) {
          const rows =
            yield* sql`DELETE FROM service_variables WHERE service_id = ${serviceId} AND key = ${key} RETURNING id`
          if (rows.length === 0) return yield* missing("variable", key)
        }),

        revealService: Effect.fn("Variables.revealService")(function* (
          serviceId: string,
          key: string,
          actor: ProjectsRpc.ActingUser,
        ) {
          const service = yield* serviceRow(serviceId)
          const sealed = yield* sql`
            SELECT value_ciphertext FROM service_variables WHERE service_id = ${serviceId} AND key = ${key}`.pipe(
            Effect.flatMap(Sql.decodeFirst(Sealed, () => missing("variable", key))),
          )
          // recorded first: when identity does not take the entry, the value is not opened (a reveal is never
          // unrecorded), and the caller gets the failure instead
          yield* audit.record({
            workspaceId: service.workspaceId,
            actor,
            action: "variable.reveal",
            targetType: "service",
            targetId: serviceId,
            metadata: { key, projectId: service.projectId, environmentId: service.environmentId },
          })
          const value = yield* openService(sealed.valueCiphertext)
          const resolution = yield* EnvironmentVariables.resolvedNow(sql, crypto, service, key, value)
          return { ...(yield* revealed(key, value)), ...resolution }
        }),

        listLinks: Effect.fn("Variables.listLinks")(function* (serviceId: string) {
          yield* serviceRow(serviceId)
          return yield* listLinks(serviceId)
        }),

        link: Effect.fn("Variables.link")(function* (serviceId: string, varGroupIds: ReadonlyArray<string>) {
          const service = yield* serviceRow(serviceId)
          const duplicate = varGroupIds.find((id, index) => varGroupIds.indexOf(id) !== index)
          if (duplicate !== undefined) {
            return yield* breaks("varGroupIds", "unique", `must list each group once: ${duplicate} appears twice`)
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
                  Sql.refusedBy({
                    service_var_groups_group_in_service_project: () => missing("var group", varGroupId),
                  }),
                )
              }
              yield* checkServices(service.environmentId, [serviceId], (problem) => `varGroupIds (${problem.path[0]})`)
            }),
          )
          return yield* listLinks(serviceId)
        }),

        listGroups: Effect.fn("Variables.listGroups")(function* (projectId: string) {
          const projects = yield* sql`SELECT 1 FROM projects WHERE id = ${projectId}`
          if (projects.length === 0) return yield* missing("project", projectId)
          const groups = yield* sql`SELECT * FROM var_groups WHERE project_id = ${projectId} ORDER BY name`.pipe(
            Effect.flatMap(Sql.decodeRows(Group)),
          )
          return yield* Effect.forEach(groups, groupView)
        }),

        createGroup: Effect.fn("Variables.createGroup")(function* (
          projectId: string,
          request: VariablesApi.CreateVarGroupRequest,
        ) {
          const id = Ids.newId("varGroup")
          yield* transaction(
            Effect.gen(function* () {
              yield* sql`INSERT INTO var_groups ${sql.insert({
                id,
                projectId,
                name: request.name,
                description: request.description ?? null,
              })}`.pipe(
                Sql.refusedBy({
                  var_groups_name_unique_per_project: nameTaken(request.name),
                  var_groups_project_fk: () => missing("project", projectId),
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

        getGroup: Effect.fn("Variables.getGroup")(function* (varGroupId: string) {
          return yield* groupView(yield* groupRow(varGroupId))
        }),

        updateGroup: Effect.fn("Variables.updateGroup")(function* (
          varGroupId: string,
          request: VariablesApi.UpdateVarGroupRequest,
        ) {
          const group = yield* groupRow(varGroupId)
          const changes = Object.fromEntries(
            Object.entries({ name: request.name, description: request.description }).filter(
              ([, value]) => value !== undefined,
            ),
          )
          if (Object.keys(changes).length > 0) {
            yield* sql`UPDATE var_groups SET ${sql.update(changes)} WHERE id = ${varGroupId}`.pipe(
              Sql.refusedBy({ var_groups_name_unique_per_project: nameTaken(request.name ?? group.name) }),
            )
          }
          return yield* groupView(yield* groupRow(group.id))
        }),

        deleteGroup: Effect.fn("Variables.deleteGroup")(function* (varGroupId: string) {
          const rows = yield* sql`DELETE FROM var_groups WHERE id = ${varGroupId} RETURNING id`
          if (rows.length === 0) return yield* missing("var group", varGroupId)
        }),

        setGroup: Effect.fn("Variables.setGroup")(function* (
          varGroupId: string,
          request: VariablesApi.SetVarGroupVariablesRequest,
        ) {
          const group = yield* groupRow(varGroupId)
          const environmentId = request.environmentId ?? null
          if (environmentId !== null) {
            const environments = yield* sql`
              SELECT 1 FROM environments WHERE id = ${environmentId} AND project_id = ${group.projectId}`
            if (environments.length === 0) {
              return yield* breaks(
                "environmentId",
                "exists",
                `must be an environment of this group's project: there is no environment ${environmentId}`,
              )
            }
          }
          const values: Readonly<Record<string, string>> = request.variables
          const keys = Object.keys(values)
          yield* transaction(
            Effect.gen(function* () {
              for (const key of keys) {
                const sealed = yield* sealGroup(values[key]!)
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

        deleteGroupEntry: Effect.fn("Variables.deleteGroupEntry")(function* (
          varGroupId: string,
          key: string,
          environmentId: string | null,
        ) {
          const rows = yield* sql`
            DELETE FROM var_group_entries WHERE var_group_id = ${varGroupId} AND key = ${key}
              AND environment_id IS NOT DISTINCT FROM ${environmentId} RETURNING id`
          if (rows.length === 0) return yield* missing("variable", key)
        }),

        revealGroupEntry: Effect.fn("Variables.revealGroupEntry")(function* (
          varGroupId: string,
          key: string,
          environmentId: string | null,
          actor: ProjectsRpc.ActingUser,
        ) {
          const group = yield* groupRow(varGroupId)
          const sealed = yield* sql`
            SELECT value_ciphertext FROM var_group_entries WHERE var_group_id = ${varGroupId} AND key = ${key}
              AND environment_id IS NOT DISTINCT FROM ${environmentId}`.pipe(
            Effect.flatMap(Sql.decodeFirst(Sealed, () => missing("variable", key))),
          )
          // recorded first, as for a service's variable: no entry, no value
          yield* audit.record({
            workspaceId: group.workspaceId,
            actor,
            action: "variable.reveal",
            targetType: "var_group",
            targetId: varGroupId,
            metadata: { key, projectId: group.projectId, environmentId },
          })
          return yield* revealed(key, yield* openGroup(sealed.valueCiphertext))
        }),

        resolve: Effect.fn("Variables.resolve")(function* (serviceId: string) {
          const service = yield* serviceRow(serviceId)
          const all = yield* EnvironmentVariables.load(sql, crypto, service.environmentId)
          const outcome = References.resolveService(service.name, all)
          if (outcome._tag === "Unresolvable")
            return yield* refusal(outcome, `variables.${outcome.path[0]!.split(".").slice(1).join(".")}`)
          return outcome.variables
        }),
      }
      return Variables.of(Sql.edge(methods))
    }),
  )
}
