import { Schema } from "effect"
import { Timestamp } from "./Columns.ts"
import { BucketId, DatabaseId, EnvironmentId, ProjectId, ServiceId, VolumeId } from "./Ids.ts"
import { BucketName, DatabaseName, VolumeName } from "./Names.ts"
import { Port } from "./Projects.ts"
import * as Rules from "./Rules.ts"

/**
 * Per-environment resources: object-storage buckets, block-storage volumes and managed databases. Their secrets
 * (a bucket's secret access key, a database's password) are encrypted columns, never fields here.
 */

export const bucketVisibilities = ["private", "public"] as const
export const BucketVisibility = Rules.oneOf(bucketVisibilities)
export type BucketVisibility = typeof BucketVisibility.Type

export const bucketStatuses = ["provisioning", "ready", "deleting", "failed"] as const
export const BucketStatus = Rules.oneOf(bucketStatuses)
export type BucketStatus = typeof BucketStatus.Type

/** The bucket's globally unique name at the provider: the same shape as a bucket name. */
export const ProviderBucketName = BucketName

/** An S3-compatible bucket (`buckets`). */
export class Bucket extends Schema.Class<Bucket>("Bucket")({
  id: BucketId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  name: BucketName,
  visibility: BucketVisibility,
  providerBucketName: ProviderBucketName,
  region: Schema.NullOr(Schema.String),
  /** Issued once the bucket is provisioned; the matching secret is not a field. */
  accessKeyId: Schema.NullOr(Schema.String),
  status: BucketStatus,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const volumeStatuses = ["provisioning", "bound", "resizing", "deleting", "failed"] as const
export const VolumeStatus = Rules.oneOf(volumeStatuses)
export type VolumeStatus = typeof VolumeStatus.Type

/** Where a volume is mounted in the container: an absolute path other than `/`. */
export const MountPath = Schema.String.check(
  Rules.make(
    "mount-path",
    "must be an absolute path other than '/', at most 4096 characters",
    (path) => path.startsWith("/") && path !== "/" && Rules.characters(path) <= 4096,
    { pattern: "^/.", maxLength: 4096 },
  ),
)

/** A Kubernetes storage class name (a DNS subdomain), e.g. `do-block-storage`. */
export const StorageClass = Rules.matching(
  "storage-class",
  /^[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$/,
  "must be a storage class name: a-z, 0-9, '-' and '.', starting and ending with a letter or digit, at most 253 characters",
)

/** A block-storage volume (`volumes`): it outlives the service it is attached to. */
export class Volume extends Schema.Class<Volume>("Volume")({
  id: VolumeId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  /** Null while detached. */
  serviceId: Schema.NullOr(ServiceId),
  name: VolumeName,
  /** 1 GiB to 16 TiB. */
  sizeGb: Rules.int(1, 16384),
  mountPath: MountPath,
  storageClass: StorageClass,
  status: VolumeStatus,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const databaseEngines = ["postgres", "redis"] as const
export const DatabaseEngine = Rules.oneOf(databaseEngines)
export type DatabaseEngine = typeof DatabaseEngine.Type

export const databaseStatuses = ["provisioning", "ready", "deleting", "failed"] as const
export const DatabaseStatus = Rules.oneOf(databaseStatuses)
export type DatabaseStatus = typeof DatabaseStatus.Type

/** A managed database (`databases`); its connection details are known once it is provisioned. */
export class Database extends Schema.Class<Database>("Database")({
  id: DatabaseId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  name: DatabaseName,
  engine: DatabaseEngine,
  version: Rules.text(32, 1),
  host: Schema.NullOr(Schema.String),
  port: Schema.NullOr(Port),
  username: Schema.NullOr(Schema.String),
  status: DatabaseStatus,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}
