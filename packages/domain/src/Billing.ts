import { Schema } from "effect"
import { Cents, Quantity, Timestamp } from "./Columns.ts"
import { WorkspacePlan } from "./Identity.ts"
import {
  BillingCustomerId,
  EnvironmentId,
  InvoiceId,
  ProjectId,
  ServiceId,
  SubscriptionId,
  UsageRecordId,
  WorkspaceId,
} from "./Ids.ts"
import { Email } from "./Names.ts"
import * as Rules from "./Rules.ts"

/** Billing, per workspace (the billing boundary): the Stripe customer, subscriptions, invoices and metered usage. */

/** A workspace's customer at Stripe (`billing_customers`). */
export class BillingCustomer extends Schema.Class<BillingCustomer>("BillingCustomer")({
  id: BillingCustomerId,
  workspaceId: WorkspaceId,
  stripeCustomerId: Schema.String,
  email: Email,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const subscriptionStatuses = [
  "trialing",
  "active",
  "past_due",
  "canceled",
  "unpaid",
  "incomplete",
  "incomplete_expired",
  "paused",
] as const
export const SubscriptionStatus = Rules.oneOf(subscriptionStatuses)
export type SubscriptionStatus = typeof SubscriptionStatus.Type

/** A Stripe subscription to a plan (`subscriptions`). */
export class Subscription extends Schema.Class<Subscription>("Subscription")({
  id: SubscriptionId,
  workspaceId: WorkspaceId,
  customerId: BillingCustomerId,
  stripeSubscriptionId: Schema.String,
  plan: WorkspacePlan,
  status: SubscriptionStatus,
  currentPeriodStart: Timestamp,
  currentPeriodEnd: Timestamp,
  cancelAtPeriodEnd: Schema.Boolean,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const invoiceStatuses = ["draft", "open", "paid", "uncollectible", "void"] as const
export const InvoiceStatus = Rules.oneOf(invoiceStatuses)
export type InvoiceStatus = typeof InvoiceStatus.Type

/** An ISO 4217 currency code as Stripe writes it, e.g. `usd`. */
export const Currency = Rules.matching(
  "currency",
  /^[a-z]{3}$/,
  "must be a currency code of 3 lower-case letters, e.g. usd",
)

/** Where a customer pays an invoice. */
export const HostedInvoiceUrl = Rules.matching("url", /^https:\/\/\S+$/, "must be an https:// URL")

/** A Stripe invoice (`invoices`); amounts are in cents of `currency`. */
export class Invoice extends Schema.Class<Invoice>("Invoice")({
  id: InvoiceId,
  workspaceId: WorkspaceId,
  customerId: BillingCustomerId,
  stripeInvoiceId: Schema.String,
  status: InvoiceStatus,
  currency: Currency,
  amountDueCents: Cents,
  amountPaidCents: Cents,
  periodStart: Timestamp,
  periodEnd: Timestamp,
  hostedInvoiceUrl: Schema.NullOr(HostedInvoiceUrl),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const usageMetrics = [
  "cpu_seconds",
  "memory_gb_seconds",
  "egress_bytes",
  "volume_gb_hours",
  "build_minutes",
] as const
export const UsageMetric = Rules.oneOf(usageMetrics)
export type UsageMetric = typeof UsageMetric.Type

/**
 * Metered usage over one period (`usage_records`), reported to Stripe once. The project, environment and
 * service are labels, not references: usage stays billable after what it measured is deleted.
 */
export class UsageRecord extends Schema.Class<UsageRecord>("UsageRecord")({
  id: UsageRecordId,
  workspaceId: WorkspaceId,
  projectId: Schema.NullOr(ProjectId),
  environmentId: Schema.NullOr(EnvironmentId),
  serviceId: Schema.NullOr(ServiceId),
  metric: UsageMetric,
  quantity: Quantity,
  periodStart: Timestamp,
  periodEnd: Timestamp,
  /** When it was reported to Stripe; null until then. */
  reportedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}
