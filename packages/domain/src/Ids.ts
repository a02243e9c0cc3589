import { randomBytes } from "node:crypto"
import { Schema } from "effect"
import * as Rules from "./Rules.ts"

/**
 * Every id is `<prefix>_<24 chars of [0-9a-z]>`: the prefix says what the id names (a `prj_…` pasted where a
 * `svc_…` belongs is refused at the edge), and the first 9 characters are the creation time in base 36, so ids
 * sort roughly by age and index well.
 */
export const prefixes = {
  user: "usr",
  session: "ses",
  workspace: "wsp",
  project: "prj",
  environment: "env",
  service: "svc",
  deployment: "dep",
  build: "bld",
  region: "reg",
  cluster: "clu",
  billingCustomer: "cus",
  subscription: "sub",
  invoice: "inv",
  usageRecord: "usg",
  varGroup: "vgr",
  varGroupEntry: "vge",
  serviceVariable: "svv",
  githubInstallation: "ghi",
  webhookDelivery: "whd",
  bucket: "bkt",
  volume: "vol",
  domain: "dom",
  database: "dbs",
  cloudCredential: "ccr",
  apiToken: "tok",
  auditEntry: "aud",
  sourceUpload: "upl",
} as const

export type Entity = keyof typeof prefixes
export type Prefix = (typeof prefixes)[Entity]

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

/** A new id for `prefix`: 9 base-36 characters of milliseconds since the epoch, then 15 random ones. */
export const makeId = <P extends Prefix>(prefix: P): `${P}_${string}` => {
  const time = Date.now().toString(36).padStart(9, "0")
  const bytes = randomBytes(15)
  let random = ""
  // 252 is the largest multiple of 36 below 256: rejecting bytes above it keeps every character equally likely.
  for (let i = 0; random.length < 15; i++) {
    const byte = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!
    if (byte < 252) random += alphabet[byte % 36]
  }
  return `${prefix}_${time}${random}`
}

/** The rule an id fails, for error reporting (see `Violations`). */
export const idRule = "id"

/** The 24 characters after the prefix in documented examples (a time in base 36, then random characters). */
const example = "0mh1r2s3t4u5v6w7x8y9z0a1"

/**
 * The schema of `entity`'s ids: a string of the right prefix and shape, branded so that one kind of id cannot be
 * passed where another is expected (each export adds its brand). `what` names the entity in the error, e.g. "a project".
 */
const idSchema = (entity: Entity, what: string) => {
  const prefix = prefixes[entity]
  const pattern = new RegExp(`^${prefix}_[0-9a-z]{24}$`)
  const message = `must be ${what} id: ${prefix}_ followed by 24 characters of 0-9 and a-z`
  return Schema.String.check(
    Rules.make(idRule, message, (id) => pattern.test(id), {
      pattern: pattern.source,
      minLength: prefix.length + 25,
      maxLength: prefix.length + 25,
    }),
  ).annotate({
    description: `The id of ${what}: \`${prefix}_\` and 24 characters of 0-9, a-z.`,
    examples: [`${prefix}_${example}`],
  })
}

export const UserId = idSchema("user", "a user").pipe(Schema.brand("UserId"))
export type UserId = typeof UserId.Type
export const SessionId = idSchema("session", "a session").pipe(Schema.brand("SessionId"))
export type SessionId = typeof SessionId.Type
export const WorkspaceId = idSchema("workspace", "a workspace").pipe(Schema.brand("WorkspaceId"))
export type WorkspaceId = typeof WorkspaceId.Type
export const ProjectId = idSchema("project", "a project").pipe(Schema.brand("ProjectId"))
export type ProjectId = typeof ProjectId.Type
export const EnvironmentId = idSchema("environment", "an environment").pipe(Schema.brand("EnvironmentId"))
export type EnvironmentId = typeof EnvironmentId.Type
export const ServiceId = idSchema("service", "a service").pipe(Schema.brand("ServiceId"))
export type ServiceId = typeof ServiceId.Type
export const DeploymentId = idSchema("deployment", "a deployment").pipe(Schema.brand("DeploymentId"))
export type DeploymentId = typeof DeploymentId.Type
export const BuildId = idSchema("build", "a build").pipe(Schema.brand("BuildId"))
export type BuildId = typeof BuildId.Type
export const SourceUploadId = idSchema("sourceUpload", "a source upload").pipe(Schema.brand("SourceUploadId"))
export type SourceUploadId = typeof SourceUploadId.Type
export const RegionId = idSchema("region", "a region").pipe(Schema.brand("RegionId"))
export type RegionId = typeof RegionId.Type
export const ClusterId = idSchema("cluster", "a cluster").pipe(Schema.brand("ClusterId"))
export type ClusterId = typeof ClusterId.Type
export const BillingCustomerId = idSchema("billingCustomer", "a billing customer").pipe(
  Schema.brand("BillingCustomerId"),
)
export type BillingCustomerId = typeof BillingCustomerId.Type
export const SubscriptionId = idSchema("subscription", "a subscription").pipe(Schema.brand("SubscriptionId"))
export type SubscriptionId = typeof SubscriptionId.Type
export const InvoiceId = idSchema("invoice", "an invoice").pipe(Schema.brand("InvoiceId"))
export type InvoiceId = typeof InvoiceId.Type
export const UsageRecordId = idSchema("usageRecord", "a usage record").pipe(Schema.brand("UsageRecordId"))
export type UsageRecordId = typeof UsageRecordId.Type
export const VarGroupId = idSchema("varGroup", "a var group").pipe(Schema.brand("VarGroupId"))
export type VarGroupId = typeof VarGroupId.Type
export const VarGroupEntryId = idSchema("varGroupEntry", "a var group entry").pipe(Schema.brand("VarGroupEntryId"))
export type VarGroupEntryId = typeof VarGroupEntryId.Type
export const ServiceVariableId = idSchema("serviceVariable", "a service variable").pipe(
  Schema.brand("ServiceVariableId"),
)
export type ServiceVariableId = typeof ServiceVariableId.Type
export const GithubInstallationId = idSchema("githubInstallation", "a GitHub installation").pipe(
  Schema.brand("GithubInstallationId"),
)
export type GithubInstallationId = typeof GithubInstallationId.Type
export const WebhookDeliveryId = idSchema("webhookDelivery", "a webhook delivery").pipe(
  Schema.brand("WebhookDeliveryId"),
)
export type WebhookDeliveryId = typeof WebhookDeliveryId.Type
export const BucketId = idSchema("bucket", "a bucket").pipe(Schema.brand("BucketId"))
export type BucketId = typeof BucketId.Type
export const VolumeId = idSchema("volume", "a volume").pipe(Schema.brand("VolumeId"))
export type VolumeId = typeof VolumeId.Type
export const DomainId = idSchema("domain", "a domain").pipe(Schema.brand("DomainId"))
export type DomainId = typeof DomainId.Type
export const DatabaseId = idSchema("database", "a database").pipe(Schema.brand("DatabaseId"))
export type DatabaseId = typeof DatabaseId.Type
export const CloudCredentialId = idSchema("cloudCredential", "a cloud credential").pipe(
  Schema.brand("CloudCredentialId"),
)
export type CloudCredentialId = typeof CloudCredentialId.Type
export const ApiTokenId = idSchema("apiToken", "an API token").pipe(Schema.brand("ApiTokenId"))
export type ApiTokenId = typeof ApiTokenId.Type
export const AuditEntryId = idSchema("auditEntry", "an audit entry").pipe(Schema.brand("AuditEntryId"))
export type AuditEntryId = typeof AuditEntryId.Type

/** The branded id type of each entity. */
export interface IdOf {
  readonly user: UserId
  readonly session: SessionId
  readonly workspace: WorkspaceId
  readonly project: ProjectId
  readonly environment: EnvironmentId
  readonly service: ServiceId
  readonly deployment: DeploymentId
  readonly build: BuildId
  readonly sourceUpload: SourceUploadId
  readonly region: RegionId
  readonly cluster: ClusterId
  readonly billingCustomer: BillingCustomerId
  readonly subscription: SubscriptionId
  readonly invoice: InvoiceId
  readonly usageRecord: UsageRecordId
  readonly varGroup: VarGroupId
  readonly varGroupEntry: VarGroupEntryId
  readonly serviceVariable: ServiceVariableId
  readonly githubInstallation: GithubInstallationId
  readonly webhookDelivery: WebhookDeliveryId
  readonly bucket: BucketId
  readonly volume: VolumeId
  readonly domain: DomainId
  readonly database: DatabaseId
  readonly cloudCredential: CloudCredentialId
  readonly apiToken: ApiTokenId
  readonly auditEntry: AuditEntryId
}

/** A new id for `entity`, already branded: it satisfies the entity's id schema by construction. */
export const newId = <E extends Entity>(entity: E): IdOf[E] => makeId(prefixes[entity]) as string as IdOf[E]
