import { type Deploys, Names, Projects, ServiceConfig } from "@starform/domain"
import { Schema } from "effect"

/**
 * What a deployment freezes (`deployments.config_snapshot`): the service as it was (type, networking, source),
 * its whole configuration, and its variables fully resolved — references substituted, group precedence applied —
 * each value sealed with `packages/crypto` (the service-variable column's key), never in plaintext. A rollback
 * reuses an earlier snapshot as it stands; the desired state opens the values only for its own cluster.
 */
export const SnapshotService = Schema.Struct({
  name: Names.ServiceName,
  type: Projects.ServiceType,
  sourceType: Projects.SourceType,
  repoFullName: Schema.NullOr(Projects.RepoFullName),
  branch: Schema.NullOr(Projects.GitBranch),
  rootDirectory: Projects.RootDirectory,
  imageRef: Schema.NullOr(Projects.ImageRef),
  port: Schema.NullOr(Projects.Port),
  cronSchedule: Schema.NullOr(Projects.CronSchedule),
  isPublic: Schema.Boolean,
})
export type SnapshotService = typeof SnapshotService.Type

export const Snapshot = Schema.Struct({
  service: SnapshotService,
  config: ServiceConfig.ServiceConfig,
  /** Key → sealed resolved value. */
  variables: Schema.Record(Schema.String, Schema.String),
})
export type Snapshot = typeof Snapshot.Type

export const decode = Schema.decodeUnknownSync(Snapshot)
export const encode = Schema.encodeSync(Snapshot)

/** The parts of a snapshot the API shows: everything but the variables' values. */
export const describe = (snapshot: Snapshot) => ({
  service: snapshot.service,
  config: Schema.encodeSync(ServiceConfig.ServiceConfig)(snapshot.config),
  variableKeys: Object.keys(snapshot.variables).sort(),
})

export type DeploymentStatus = Deploys.DeploymentStatus
