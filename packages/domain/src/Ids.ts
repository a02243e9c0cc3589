import { randomBytes } from "node:crypto"
import { Schema } from "effect"

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

/** The check an id of `prefix` passes; `what` names the entity in the error, e.g. "a project". */
const idPattern = (prefix: Prefix, what: string) =>
  Schema.isPattern(new RegExp(`^${prefix}_[0-9a-z]{24}$`), {
    expected: `${what} id: ${prefix}_ followed by 24 characters of 0-9 and a-z`,
  })

export const UserId = Schema.String.check(idPattern(prefixes.user, "an user")).pipe(Schema.brand("UserId"))
export type UserId = typeof UserId.Type
export const SessionId = Schema.String.check(idPattern(prefixes.session, "a session")).pipe(Schema.brand("SessionId"))
export type SessionId = typeof SessionId.Type
export const WorkspaceId = Schema.String.check(idPattern(prefixes.workspace, "a workspace")).pipe(
  Schema.brand("WorkspaceId"),
)
export type WorkspaceId = typeof WorkspaceId.Type
export const ProjectId = Schema.String.check(idPattern(prefixes.project, "a project")).pipe(Schema.brand("ProjectId"))
export type ProjectId = typeof ProjectId.Type
export const EnvironmentId = Schema.String.check(idPattern(prefixes.environment, "an environment")).pipe(
  Schema.brand("EnvironmentId"),
)
export type EnvironmentId = typeof EnvironmentId.Type
export const ServiceId = Schema.String.check(idPattern(prefixes.service, "a service")).pipe(Schema.brand("ServiceId"))
export type ServiceId = typeof ServiceId.Type
export const DeploymentId = Schema.String.check(idPattern(prefixes.deployment, "a deployment")).pipe(
  Schema.brand("DeploymentId"),
)
export type DeploymentId = typeof DeploymentId.Type
export const BuildId = Schema.String.check(idPattern(prefixes.build, "a build")).pipe(Schema.brand("BuildId"))
export type BuildId = typeof BuildId.Type
export const RegionId = Schema.String.check(idPattern(prefixes.region, "a region")).pipe(Schema.brand("RegionId"))
export type RegionId = typeof RegionId.Type
export const ClusterId = Schema.String.check(idPattern(prefixes.cluster, "a cluster")).pipe(Schema.brand("ClusterId"))
export type ClusterId = typeof ClusterId.Type
export const BillingCustomerId = Schema.String.check(idPattern(prefixes.billingCustomer, "a billing customer")).pipe(
  Schema.brand("BillingCustomerId"),
)
export type BillingCustomerId = typeof BillingCustomerId.Type
export const SubscriptionId = Schema.String.check(idPattern(prefixes.subscription, "a subscription")).pipe(
  Schema.brand("SubscriptionId"),
)
export type SubscriptionId = typeof SubscriptionId.Type
export const InvoiceId = Schema.String.check(idPattern(prefixes.invoice, "an invoice")).pipe(Schema.brand("InvoiceId"))
export type InvoiceId = typeof InvoiceId.Type
export const UsageRecordId = Schema.String.check(idPattern(prefixes.usageRecord, "an usage record")).pipe(
  Schema.brand("UsageRecordId"),
)
export type UsageRecordId = typeof UsageRecordId.Type
export const VarGroupId = Schema.String.check(idPattern(prefixes.varGroup, "a var group")).pipe(
  Schema.brand("VarGroupId"),
)
export type VarGroupId = typeof VarGroupId.Type
export const VarGroupEntryId = Schema.String.check(idPattern(prefixes.varGroupEntry, "a var group entry")).pipe(
  Schema.brand("VarGroupEntryId"),
)
export type VarGroupEntryId = typeof VarGroupEntryId.Type
export const ServiceVariableId = Schema.String.check(idPattern(prefixes.serviceVariable, "a service variable")).pipe(
  Schema.brand("ServiceVariableId"),
)
export type ServiceVariableId = typeof ServiceVariableId.Type
export const GithubInstallationId = Schema.String.check(
  idPattern(prefixes.githubInstallation, "a github installation"),
).pipe(Schema.brand("GithubInstallationId"))
export type GithubInstallationId = typeof GithubInstallationId.Type
export const WebhookDeliveryId = Schema.String.check(idPattern(prefixes.webhookDelivery, "a webhook delivery")).pipe(
  Schema.brand("WebhookDeliveryId"),
)
export type WebhookDeliveryId = typeof WebhookDeliveryId.Type
export const BucketId = Schema.String.check(idPattern(prefixes.bucket, "a bucket")).pipe(Schema.brand("BucketId"))
export type BucketId = typeof BucketId.Type
export const VolumeId = Schema.String.check(idPattern(prefixes.volume, "a volume")).pipe(Schema.brand("VolumeId"))
export type VolumeId = typeof VolumeId.Type
export const DomainId = Schema.String.check(idPattern(prefixes.domain, "a domain")).pipe(Schema.brand("DomainId"))
export type DomainId = typeof DomainId.Type
export const DatabaseId = Schema.String.check(idPattern(prefixes.database, "a database")).pipe(
  Schema.brand("DatabaseId"),
)
export type DatabaseId = typeof DatabaseId.Type
export const CloudCredentialId = Schema.String.check(idPattern(prefixes.cloudCredential, "a cloud credential")).pipe(
  Schema.brand("CloudCredentialId"),
)
export type CloudCredentialId = typeof CloudCredentialId.Type
export const ApiTokenId = Schema.String.check(idPattern(prefixes.apiToken, "an api token")).pipe(
  Schema.brand("ApiTokenId"),
)
export type ApiTokenId = typeof ApiTokenId.Type
export const AuditEntryId = Schema.String.check(idPattern(prefixes.auditEntry, "an audit entry")).pipe(
  Schema.brand("AuditEntryId"),
)
export type AuditEntryId = typeof AuditEntryId.Type
