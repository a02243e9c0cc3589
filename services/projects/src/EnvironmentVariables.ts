import { Catalog, type FieldCrypto } from "@starform/crypto"
import { Sql } from "@starform/db"
import { Columns, Ids, Names } from "@starform/domain"
import { Effect, Schema } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import * as Precedence from "./Precedence.ts"
import * as References from "./References.ts"

/**
 * Every service of one environment with its variables in clear (its own, and its linked groups' with precedence
 * applied), as reference resolution needs them: read in one go, decoded with the rows' schemas, opened here (a value
 * that does not open is a defect: the keyring is wrong, not the request).
 */

/** A var group's entry with its sealed value (`var_group_entries`). */
export const Entry = Schema.Struct({
  varGroupId: Ids.VarGroupId,
  key: Names.VariableKey,
  environmentId: Schema.NullOr(Ids.EnvironmentId),
  valueCiphertext: Schema.String,
  updatedAt: Columns.Timestamp,
})
export type Entry = typeof Entry.Type

const ServiceName = Schema.Struct({ id: Ids.ServiceId, name: Names.ServiceName })
const OwnVariable = Schema.Struct({ serviceId: Ids.ServiceId, key: Names.VariableKey, valueCiphertext: Schema.String })
const Link = Schema.Struct({ serviceId: Ids.ServiceId, varGroupId: Ids.VarGroupId, position: Schema.Int })

export const load = Effect.fn("EnvironmentVariables.load")(function* (
  sql: SqlClient.SqlClient,
  crypto: FieldCrypto["Service"],
  environmentId: string,
) {
  const services = yield* sql`SELECT id, name FROM services WHERE environment_id = ${environmentId}`.pipe(
    Effect.flatMap(Sql.decodeRows(ServiceName)),
  )
  const own = yield* sql`
    SELECT service_id, key, value_ciphertext FROM service_variables WHERE environment_id = ${environmentId}`.pipe(
    Effect.flatMap(Sql.decodeRows(OwnVariable)),
  )
  const links = yield* sql`
    SELECT service_id, var_group_id, position FROM service_var_groups WHERE environment_id = ${environmentId}`.pipe(
    Effect.flatMap(Sql.decodeRows(Link)),
  )
  const groupIds = [...new Set(links.map((link) => link.varGroupId))]
  const entries =
    groupIds.length === 0
      ? []
      : yield* sql`
          SELECT var_group_id, key, environment_id, value_ciphertext, updated_at FROM var_group_entries
          WHERE ${sql.in("var_group_id", groupIds)}
            AND (environment_id IS NULL OR environment_id = ${environmentId})`.pipe(
          Effect.flatMap(Sql.decodeRows(Entry)),
        )
  const groups = new Map<string, { defaults: Map<string, string>; overrides: Map<string, string> }>()
  for (const entry of entries) {
    const group = groups.get(entry.varGroupId) ?? { defaults: new Map(), overrides: new Map() }
    const value = yield* Effect.orDie(crypto.decrypt(entry.valueCiphertext, Catalog.varGroupEntryValue))
    ;(entry.environmentId === null ? group.defaults : group.overrides).set(entry.key, value)
    groups.set(entry.varGroupId, group)
  }
  const ownBy = new Map<string, Map<string, string>>()
  for (const variable of own) {
    const map = ownBy.get(variable.serviceId) ?? new Map<string, string>()
    map.set(variable.key, yield* Effect.orDie(crypto.decrypt(variable.valueCiphertext, Catalog.serviceVariableValue)))
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
})

/**
 * What a revealed `value` of variable `key` of `service` refers to, as written, and what it resolves to now: what a
 * deployment made now would see (null, with the reason, when a reference cannot be resolved).
 */
export const resolvedNow = Effect.fn("EnvironmentVariables.resolvedNow")(function* (
  sql: SqlClient.SqlClient,
  crypto: FieldCrypto["Service"],
  service: { readonly name: string; readonly environmentId: string },
  key: string,
  value: string,
) {
  const references = References.referencesIn(value).map((reference) => reference.text)
  if (references.length === 0) return { references, resolvedValue: value, unresolvedReason: null }
  const outcome = References.resolveKey(service.name, key, yield* load(sql, crypto, service.environmentId))
  return outcome._tag === "Resolved"
    ? { references, resolvedValue: outcome.value, unresolvedReason: null }
    : { references, resolvedValue: null, unresolvedReason: outcome.message }
})
