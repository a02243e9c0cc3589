import { Schema } from "effect"
import { Cidr, Timestamp } from "./Columns.ts"
import { CloudCredentialId, ClusterId, RegionId } from "./Ids.ts"
import { ClusterName, Label, RegionSlug } from "./Names.ts"
import * as Rules from "./Rules.ts"

/**
 * Where customer workloads run: regions, the Kubernetes clusters in them and the provider credentials Starform
 * holds. Kubeconfigs and provider secrets are encrypted columns of these rows, never fields here.
 */

export const regionProviders = ["digitalocean"] as const
export const RegionProvider = Rules.oneOf(regionProviders)
export type RegionProvider = typeof RegionProvider.Type

export const regionStatuses = ["active", "draining", "disabled"] as const
export const RegionStatus = Rules.oneOf(regionStatuses)
export type RegionStatus = typeof RegionStatus.Type

/** A provider region, e.g. `nyc3` (`regions`). */
export class Region extends Schema.Class<Region>("Region")({
  id: RegionId,
  slug: RegionSlug,
  name: Label,
  provider: RegionProvider,
  status: RegionStatus,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const clusterStatuses = ["provisioning", "active", "draining", "retired"] as const
export const ClusterStatus = Rules.oneOf(clusterStatuses)
export type ClusterStatus = typeof ClusterStatus.Type

/** The Kubernetes API server's URL. */
export const ApiUrl = Rules.matching("url", /^https?:\/\/\S+$/, "must be an http:// or https:// URL")

/** A Kubernetes cluster Starform operates (`clusters`). */
export class Cluster extends Schema.Class<Cluster>("Cluster")({
  id: ClusterId,
  regionId: RegionId,
  name: ClusterName,
  /** Unknown until the provider has created the cluster. */
  apiUrl: Schema.NullOr(ApiUrl),
  status: ClusterStatus,
  podCidr: Schema.NullOr(Cidr),
  serviceCidr: Schema.NullOr(Cidr),
  /** The soft limit that triggers provisioning the next cluster. */
  maxPods: Rules.int(1),
  /** The version of the last published desired state (0: none yet); it only grows. */
  desiredStateVersion: Rules.int(0),
  /** `sha256:<hex>` of that version's content. */
  desiredStateHash: Schema.NullOr(Schema.String),
  desiredStatePublishedAt: Schema.NullOr(Timestamp),
  /** When Shuttle last reported what runs in the cluster. */
  lastReportAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const cloudProviders = ["digitalocean", "tigris", "cloudflare"] as const
export const CloudProvider = Rules.oneOf(cloudProviders)
export type CloudProvider = typeof CloudProvider.Type

/** A credential Starform holds for a provider's API (`cloud_credentials`); the secret itself is not a field. */
export class CloudCredential extends Schema.Class<CloudCredential>("CloudCredential")({
  id: CloudCredentialId,
  provider: CloudProvider,
  label: Label,
  /** Null: valid in every region. */
  regionId: Schema.NullOr(RegionId),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}
