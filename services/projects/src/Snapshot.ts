import { Catalog, type FieldCrypto } from "@starform/crypto"
import { type Deploys, Ids, Names, Projects, ServiceConfig } from "@starform/domain"
import { Effect, Schema } from "effect"

/**
 * What a deployment freezes (`deployments.config_snapshot`): the service as it was (type, networking, source),
 * its whole configuration, and the keys of its variables. The variables themselves, fully resolved — references
 * substituted, group precedence applied — are sealed together beside it (`deployments.variables_ciphertext`, a
 * catalogued column), never in plaintext. A rollback reuses an earlier snapshot and its sealed variables as they
 * stand; the desired state opens them only for its own cluster.
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
  /** The variables' keys, sorted (their values are in `deployments.variables_ciphertext`). */
  variableKeys: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Written before variables had a column of their own: key → value sealed as a service variable. */
  variables: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  /** The uploaded folder this release is built from (`starform up`), instead of a commit or an image. */
  sourceUploadId: Schema.optionalKey(Ids.SourceUploadId),
})
export type Snapshot = typeof Snapshot.Type

export const decode = Schema.decodeUnknownSync(Snapshot)
export const encode = Schema.encodeSync(Snapshot)

/** The parts of a snapshot the API shows: everything but the variables' values. */
export const describe = (snapshot: Snapshot) => ({
  service: snapshot.service,
  config: Schema.encodeSync(ServiceConfig.ServiceConfig)(snapshot.config),
  variableKeys: keysOf(snapshot),
  ...(snapshot.sourceUploadId === undefined ? {} : { sourceUploadId: snapshot.sourceUploadId }),
})

/** The keys of the snapshot's variables, sorted. */
export const keysOf = (snapshot: Snapshot): ReadonlyArray<string> =>
  snapshot.variableKeys ?? Object.keys(snapshot.variables ?? {}).sort()

/** The variables of one release, opened: from their column, or from the snapshot for a release written before it. */
export const openVariables = Effect.fn("Snapshot.openVariables")(function* (
  crypto: FieldCrypto["Service"],
  snapshot: Snapshot,
  variablesCiphertext: string | null,
) {
  if (variablesCiphertext !== null) {
    return JSON.parse(yield* crypto.decrypt(variablesCiphertext, Catalog.deploymentVariables)) as Record<string, string>
  }
  const opened: Record<string, string> = {}
  for (const [key, sealed] of Object.entries(snapshot.variables ?? {})) {
    opened[key] = yield* crypto.decrypt(sealed, Catalog.serviceVariableValue)
  }
  return opened
})

export type DeploymentStatus = Deploys.DeploymentStatus
