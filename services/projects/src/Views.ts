import {
  ServiceConfig as Config,
  type DeploymentsApi,
  type Deploys,
  Ids,
  Names,
  Projects,
  ProjectsApi,
  type ServiceConfig,
  ServicesApi,
  ShuttleRpc,
  VariablesApi,
} from "@starform/domain"
import { DateTime, Schema, SchemaTransformation } from "effect"
import { reasonFor } from "./hostnames/Hostnames.ts"
import * as Snapshot from "./Snapshot.ts"

/** The API views made from rows decoded with their schemas (the domain's table entities, or the repository's own). */

const iso = (instant: DateTime.Utc) => DateTime.formatIso(instant)
const isoOrNull = (instant: DateTime.Utc | null) => (instant === null ? null : DateTime.formatIso(instant))

export const project = (row: Projects.Project): ProjectsApi.ProjectView => ({
  id: row.id,
  workspaceId: row.workspaceId,
  name: row.name,
  description: row.description,
  regionId: row.regionId,
  deploymentRetention: row.deploymentRetention,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
})

/** A `timestamptz` column's value as the API writes an instant: ISO 8601 in UTC, what `iso` makes of it. */
const IsoFromDate = Schema.Date.check(
  Schema.makeFilter((date: Date) => !Number.isNaN(date.getTime()), { message: "must be a valid instant" }),
).pipe(
  Schema.decodeTo(
    ProjectsApi.Instant,
    SchemaTransformation.transform({ decode: (date) => date.toISOString(), encode: (instant) => new Date(instant) }),
  ),
)

/**
 * A `projects` row decoded straight into its view, for the hot list: the same view `project` makes of a decoded
 * `Projects.Project`, without building the entity and its `DateTime`s only to turn them back into strings.
 */
export const ProjectViewFromRow = Schema.Struct({
  ...ProjectsApi.ProjectView.fields,
  createdAt: IsoFromDate,
  updatedAt: IsoFromDate,
})

export const environment = (row: Projects.Environment): ProjectsApi.EnvironmentView => ({
  id: row.id,
  projectId: row.projectId,
  name: row.name,
  isEphemeral: row.isEphemeral,
  gitBranch: row.gitBranch,
  clusterId: row.clusterId,
  clonedFromEnvironmentId: row.clonedFromEnvironmentId,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
})

/** A service with the release serving it (`services` and the active deployment's id). */
export const ServiceRow = Schema.Struct({
  ...Projects.Service.fields,
  activeDeploymentId: Schema.NullOr(Ids.DeploymentId),
  /** Its domains' hostnames, the generated one first. */
  hostnames: Schema.Array(Names.Hostname),
})
export type ServiceRow = typeof ServiceRow.Type

const decodeConfig = Schema.decodeUnknownSync(Config.ServiceConfig)

/** The stored configuration, with defaults for any key added since it was written. */
export const configOf = (row: { readonly config: unknown }): ServiceConfig.ServiceConfig => decodeConfig(row.config)

const decodeSource = Schema.decodeUnknownSync(ServicesApi.ServiceSource)

export const sourceOf = (row: {
  readonly sourceType: Projects.SourceType
  readonly repoFullName: string | null
  readonly branch: string | null
  readonly rootDirectory: string
  readonly imageRef: string | null
}): ServicesApi.ServiceSource =>
  // the `services_*` CHECKs (and `Projects.Service`'s) guarantee the columns of the row's source type are set
  decodeSource(
    row.sourceType === "repo"
      ? { type: "repo", repoFullName: row.repoFullName, branch: row.branch, rootDirectory: row.rootDirectory }
      : { type: "image", imageRef: row.imageRef },
  )

/** A public web service's address and hostnames; for any other, none and why. */
const addressOf = (row: ServiceRow) => {
  const reason = reasonFor(row)
  if (reason !== null) return { url: null, domains: [], domainsReason: reason }
  const first = row.hostnames[0]
  return first === undefined
    ? { url: null, domains: [], domainsReason: "The service's domain is being assigned." }
    : { url: `https://${first}`, domains: row.hostnames, domainsReason: null }
}

export const service = (row: ServiceRow): ServicesApi.ServiceView => ({
  id: row.id,
  projectId: row.projectId,
  environmentId: row.environmentId,
  name: row.name,
  type: row.type,
  source: sourceOf(row),
  port: row.port,
  cronSchedule: row.cronSchedule,
  isPublic: row.isPublic,
  autoDeploy: row.autoDeploy,
  autoDeployDisabledReason: row.autoDeployDisabledReason,
  config: configOf(row),
  activeDeploymentId: row.activeDeploymentId,
  ...addressOf(row),
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
})

const decodeObserved = Schema.decodeUnknownSync(ShuttleRpc.ObservedService)

const observed = (row: Deploys.Deployment): DeploymentsApi.ObservedView | null => {
  if (row.observedState === null || row.observedAt === null) return null
  const state = decodeObserved(row.observedState)
  return {
    phase: state.phase,
    desiredReplicas: state.desiredReplicas,
    updatedReplicas: state.updatedReplicas,
    readyReplicas: state.readyReplicas,
    availableReplicas: state.availableReplicas,
    conditions: state.conditions,
    failureReason: state.failureReason,
    observedAt: iso(row.observedAt),
  }
}

export const deployment = (row: Deploys.Deployment): DeploymentsApi.DeploymentView => {
  const snapshot = Snapshot.decode(row.configSnapshot)
  return {
    id: row.id,
    projectId: row.projectId,
    environmentId: row.environmentId,
    serviceId: row.serviceId,
    number: row.number,
    status: row.status,
    trigger: row.trigger,
    commitSha: row.commitSha,
    commitMessage: row.commitMessage,
    imageRef: row.imageRef,
    imageDigest: row.imageDigest,
    rollbackOfDeploymentId: row.rollbackOfDeploymentId,
    createdBy: row.createdBy,
    failureReason: row.failureReason,
    snapshot: {
      service: {
        name: snapshot.service.name,
        type: snapshot.service.type,
        source: sourceOf(snapshot.service),
        port: snapshot.service.port,
        cronSchedule: snapshot.service.cronSchedule,
        isPublic: snapshot.service.isPublic,
      },
      config: snapshot.config,
      variableKeys: [...Snapshot.keysOf(snapshot)],
      ...(snapshot.sourceUploadId === undefined ? {} : { sourceUploadId: snapshot.sourceUploadId }),
    },
    observed: observed(row),
    startedAt: isoOrNull(row.startedAt),
    finishedAt: isoOrNull(row.finishedAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  }
}

/** A variable's key and when it was set (`service_variables`, `var_group_entries`), masked. */
export const variable = (row: {
  readonly key: VariablesApi.VariableView["key"]
  readonly updatedAt: DateTime.Utc
}): VariablesApi.VariableView => ({ key: row.key, value: VariablesApi.mask, updatedAt: iso(row.updatedAt) })
