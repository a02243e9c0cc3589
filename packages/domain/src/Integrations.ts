import { Schema } from "effect"
import { Timestamp } from "./Columns.ts"
import { GithubInstallationId, WebhookDeliveryId, WorkspaceId } from "./Ids.ts"
import * as Rules from "./Rules.ts"

/** GitHub App installations and the log of inbound webhooks that drops redelivered events. */

export const githubAccountTypes = ["User", "Organization"] as const
export const GithubAccountType = Rules.oneOf(githubAccountTypes)
export type GithubAccountType = typeof GithubAccountType.Type

export const githubInstallationStatuses = ["active", "suspended", "uninstalled"] as const
export const GithubInstallationStatus = Rules.oneOf(githubInstallationStatuses)
export type GithubInstallationStatus = typeof GithubInstallationStatus.Type

/** GitHub's own id of an installation: a positive `bigint`. */
export const GithubInstallationNumber = Schema.BigInt.check(
  Schema.isGreaterThanBigInt(0n, { message: "must be a positive whole number", rule: "range" }),
)

/**
 * The Starform GitHub App installed on a GitHub account, linked to a workspace (`github_installations`).
 * The cached installation access token is an encrypted column, not a field.
 */
export class GithubInstallation extends Schema.Class<GithubInstallation>("GithubInstallation")({
  id: GithubInstallationId,
  workspaceId: WorkspaceId,
  installationId: GithubInstallationNumber,
  accountLogin: Rules.text(100, 1),
  accountType: GithubAccountType,
  status: GithubInstallationStatus,
  accessTokenExpiresAt: Schema.NullOr(Timestamp),
  suspendedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const webhookProviders = ["github", "stripe"] as const
export const WebhookProvider = Rules.oneOf(webhookProviders)
export type WebhookProvider = typeof WebhookProvider.Type

export const webhookDeliveryStatuses = ["received", "processed", "failed", "ignored"] as const
export const WebhookDeliveryStatus = Rules.oneOf(webhookDeliveryStatuses)
export type WebhookDeliveryStatus = typeof WebhookDeliveryStatus.Type

/** One inbound webhook (`webhook_deliveries`), unique per provider and delivery id so a redelivery is a no-op. */
export class WebhookDelivery extends Schema.Class<WebhookDelivery>("WebhookDelivery")({
  id: WebhookDeliveryId,
  provider: WebhookProvider,
  /** The provider's delivery id: GitHub's `X-GitHub-Delivery`, Stripe's event id. */
  deliveryId: Rules.text(255, 1),
  event: Rules.text(255, 1),
  status: WebhookDeliveryStatus,
  error: Schema.NullOr(Schema.String),
  receivedAt: Timestamp,
  processedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** What processing did, e.g. "2 deployments created" or why the delivery was ignored. */
  detail: Schema.NullOr(Rules.text(2000)),
}) {}
