import type { DeploymentsApi, Ids, ProjectsApi, ServiceConfig, ServicesApi, ShuttleRpc } from "@starform/domain"
import { ServiceConfig as Config, VariablesApi } from "@starform/domain"
import { Schema } from "effect"
import * as Snapshot from "./Snapshot.ts"

/** Rows as the database returns them (camelCased), and the API views made from them. */

const iso = (date: Date) => date.toISOString()
const isoOrNull = (date: Date | null) => (date === null ? null : date.toISOString())

export interface ProjectRow {
  readonly id: string
  readonly workspaceId: string
  readonly name: string
  readonly description: string | null
  readonly regionId: string | null
  readonly deploymentRetention: number
  readonly createdAt: Date
  readonly updatedAt: Date
}

export const project = (row: ProjectRow): ProjectsApi.ProjectView =>
  ({
    ...row,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  }) as ProjectsApi.ProjectView

export interface EnvironmentRow {
  readonly id: string
  readonly projectId: string
  readonly name: string
  readonly isEphemeral: boolean
  readonly gitBranch: string | null
  readonly clusterId: string | null
  readonly clonedFromEnvironmentId: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

export const environment = (row: EnvironmentRow): ProjectsApi.EnvironmentView =>
  ({
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    isEphemeral: row.isEphemeral,
    gitBranch: row.gitBranch,
    clusterId: row.clusterId,
    clonedFromEnvironmentId: row.clonedFromEnvironmentId,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  }) as ProjectsApi.EnvironmentView

export interface ServiceRow {
  readonly id: string
  readonly projectId: string
  readonly environmentId: string
  readonly name: string
  readonly type: "web" | "worker" | "cron"
  readonly sourceType: "repo" | "image"
  readonly repoFullName: string | null
  readonly branch: string | null
  readonly rootDirectory: string
  readonly imageRef: string | null
  readonly port: number | null
  readonly cronSchedule: string | null
  readonly isPublic: boolean
  readonly autoDeploy: boolean
  readonly autoDeployDisabledReason: string | null
  readonly config: unknown
  readonly createdAt: Date
  readonly updatedAt: Date
}

const decodeConfig = Schema.decodeUnknownSync(Config.ServiceConfig)

/** The stored configuration, with defaults for any key added since it was written. */
export const configOf = (row: { readonly config: unknown }): ServiceConfig.ServiceConfig => decodeConfig(row.config)

export const sourceOf = (row: {
  readonly sourceType: "repo" | "image"
  readonly repoFullName: string | null
  readonly branch: string | null
  readonly rootDirectory: string
  readonly imageRef: string | null
}): ServicesApi.ServiceSource =>
  (row.sourceType === "repo"
    ? { type: "repo", repoFullName: row.repoFullName, branch: row.branch, rootDirectory: row.rootDirectory }
    : { type: "image", imageRef: row.imageRef }) as ServicesApi.ServiceSource

export const service = (row: ServiceRow & { readonly activeDeploymentId: string | null }): ServicesApi.ServiceView =>
  ({
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
    activeDeploymentId: row.activeDeploymentId as Ids.DeploymentId | null,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  }) as ServicesApi.ServiceView

export interface DeploymentRow {
  readonly id: string
  readonly projectId: string
  readonly environmentId: string
  readonly serviceId: string
  readonly number: number
  readonly status: DeploymentsApi.DeploymentView["status"]
  readonly trigger: DeploymentsApi.DeploymentView["trigger"]
  readonly commitSha: string | null
  readonly commitMessage: string | null
  readonly imageRef: string | null
  readonly imageDigest: string | null
  readonly configSnapshot: unknown
  /** Sealed; opened only for the desired state (`Snapshot.openVariables`), never shown. */
  readonly variablesCiphertext: string | null
  readonly rollbackOfDeploymentId: string | null
  readonly createdBy: string | null
  readonly failureReason: string | null
  readonly observedState: unknown
  readonly observedAt: Date | null
  readonly startedAt: Date | null
  readonly finishedAt: Date | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

const observed = (row: DeploymentRow): DeploymentsApi.ObservedView | null => {
  if (row.observedState === null || row.observedAt === null) return null
  const state = row.observedState as ShuttleRpc.ObservedService
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

export const deployment = (row: DeploymentRow): DeploymentsApi.DeploymentView => {
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
    },
    observed: observed(row),
    startedAt: isoOrNull(row.startedAt),
    finishedAt: isoOrNull(row.finishedAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  } as unknown as DeploymentsApi.DeploymentView
}

export const variable = (row: { readonly key: string; readonly updatedAt: Date }): VariablesApi.VariableView =>
  ({ key: row.key, value: VariablesApi.mask, updatedAt: iso(row.updatedAt) }) as VariablesApi.VariableView
