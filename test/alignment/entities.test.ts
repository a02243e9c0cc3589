import { expect, layer } from "@effect/vitest"
import {
  Audit,
  Billing,
  Deploys,
  Identity,
  Infrastructure,
  Integrations,
  Projects,
  Storage,
  Variables,
} from "@starform/domain"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { BigDecimal, Effect, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * The entity schemas against the real tables: for every table, valid rows (the fixture's defaults, and one with
 * every nullable column filled) are read back with `SELECT *` and decoded with the table's entity. A column the
 * schema does not know, a field the table does not have, or a value the schema cannot decode (a type, a null, a
 * rule stricter than the CHECK) fails here.
 */

/** Columns the API must never show (secrets, and `totpLastStep`, MFA's replay guard); the entities leave them out. */
const isSecret = (column: string) =>
  column.endsWith("Ciphertext") ||
  [
    "passwordHash",
    "refreshTokenHash",
    "tokenHash",
    "codeHash",
    "stateHash",
    "nonce",
    "codeVerifier",
    "totpLastStep",
    "deviceCodeHash",
    "userCodeHash",
  ].includes(column)

interface Entity {
  readonly fields: { readonly [field: string]: unknown }
}

const entities: { readonly [table: string]: Schema.Decoder<unknown> & Entity } = {
  users: Identity.User,
  sessions: Identity.Session,
  workspaces: Identity.Workspace,
  workspace_members: Identity.WorkspaceMember,
  project_members: Identity.ProjectMember,
  api_tokens: Identity.ApiToken,
  invitations: Identity.Invitation,
  service_accounts: Identity.ServiceAccount,
  email_outbox: Identity.OutboxEmail,
  user_tokens: Identity.UserToken,
  device_codes: Identity.DeviceCode,
  mfa_recovery_codes: Identity.MfaRecoveryCode,
  sso_identities: Identity.SsoIdentity,
  sso_states: Identity.SsoState,
  rate_limit_budgets: Identity.RateLimitBudget,
  regions: Infrastructure.Region,
  clusters: Infrastructure.Cluster,
  cloud_credentials: Infrastructure.CloudCredential,
  projects: Projects.Project,
  environments: Projects.Environment,
  services: Projects.Service,
  domains: Projects.Domain,
  deployments: Deploys.Deployment,
  builds: Deploys.Build,
  source_uploads: Deploys.SourceUpload,
  build_transitions: Deploys.BuildTransition,
  build_logs: Deploys.BuildLogLine,
  service_build_settings: Deploys.ServiceBuildSettings,
  github_installations: Integrations.GithubInstallation,
  webhook_deliveries: Integrations.WebhookDelivery,
  service_variables: Variables.ServiceVariable,
  var_groups: Variables.VarGroup,
  var_group_entries: Variables.VarGroupEntry,
  service_var_groups: Variables.ServiceVarGroup,
  buckets: Storage.Bucket,
  volumes: Storage.Volume,
  databases: Storage.Database,
  billing_customers: Billing.BillingCustomer,
  subscriptions: Billing.Subscription,
  invoices: Billing.Invoice,
  usage_records: Billing.UsageRecord,
  audit_log: Audit.AuditEntry,
}

/** Reads the rows of `table` matching `key` with `SELECT *` and decodes each with the table's entity. */
const readBack = (table: string, key: { readonly [column: string]: unknown }) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const entity = entities[table]!
    const where = Object.entries(key).map(([column, value]) => sql`${sql(column)} = ${value}`)
    const rows = yield* sql<{ readonly [column: string]: unknown }>`SELECT * FROM ${sql(table)} WHERE ${sql.and(where)}`
    expect(rows).toHaveLength(1)
    const row = rows[0]!
    expect({
      table,
      columns: Object.keys(row)
        .filter((column) => !isSecret(column))
        .sort(),
    }).toEqual({
      table,
      columns: Object.keys(entity.fields).sort(),
    })
    return yield* Schema.decodeUnknownEffect(entity)(row, { errors: "all" }).pipe(
      Effect.mapError((error) => new Error(`${table}: ${error.message}`)),
    )
  })

const byId = (table: string, row: { readonly id: unknown }) => readBack(table, { id: row.id })

const at = new Date("2026-05-01T12:00:00.000Z")
const later = new Date("2026-05-01T12:05:00.000Z")

layer(TestDatabase.layer)("entity schemas against the migrated database", (it) => {
  it.effect("every table has an entity", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tables = yield* sql<{ readonly tableName: string }>`
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'starform_migrations'`
      expect(tables.map((table) => table.tableName).sort()).toEqual(Object.keys(entities).sort())
    }),
  )

  it.effect("identity rows decode", () =>
    Effect.gen(function* () {
      const user = yield* Fixtures.user()
      yield* byId("users", user)
      const erased = yield* Fixtures.user({
        email: "Ada.Lovelace@Example.COM",
        emailVerifiedAt: at,
        totpSecretCiphertext: Fixtures.envelope,
        mfaEnabledAt: at,
        status: "deleted",
        deletedAt: later,
      })
      const decoded = (yield* byId("users", erased)) as Identity.User
      expect(decoded.email).toBe("ada.lovelace@example.com")

      yield* byId("sessions", yield* Fixtures.session({ userId: user.id }))
      yield* byId(
        "sessions",
        yield* Fixtures.session({
          userId: user.id,
          userAgent: "Mozilla/5.0",
          ip: "2001:db8::1",
          lastUsedAt: at,
          revokedAt: later,
          revokedReason: "refresh token reused",
        }),
      )

      const workspace = yield* Fixtures.workspace({ createdBy: user.id, deletedAt: later })
      yield* byId("workspaces", workspace)
      yield* byId("workspaces", yield* Fixtures.workspace())
      yield* readBack("workspace_members", {
        workspaceId: (yield* Fixtures.workspaceMember({ workspaceId: workspace.id, userId: user.id })).workspaceId,
        userId: user.id,
      })

      const project = yield* Fixtures.project({ workspaceId: workspace.id })
      yield* readBack("project_members", {
        projectId: (yield* Fixtures.projectMember({ projectId: project.id, userId: user.id, role: "admin" })).projectId,
        userId: user.id,
      })

      yield* byId("api_tokens", yield* Fixtures.apiToken())
      yield* byId(
        "api_tokens",
        yield* Fixtures.apiToken({
          workspaceId: workspace.id,
          projectId: project.id,
          createdBy: user.id,
          scopes: ["deploy", "logs:read"],
          expiresAt: later,
          lastUsedAt: at,
          revokedAt: later,
        }),
      )
      yield* byId("audit_log", yield* Fixtures.auditEntry())
      yield* byId(
        "audit_log",
        yield* Fixtures.auditEntry({
          workspaceId: null,
          actorType: "system",
          actorId: null,
          targetType: null,
          targetId: null,
          ip: null,
          userAgent: null,
          outcome: "denied",
          metadata: { reason: "quota", limit: 3, nested: { ok: true } },
        }),
      )
    }),
  )

  it.effect("device code rows decode", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const user = yield* Fixtures.user()
      yield* sql`INSERT INTO device_codes ${sql.insert({
        deviceCodeHash: "a".repeat(64),
        userCodeHash: "b".repeat(64),
        intervalSeconds: 5,
        expiresAt: later,
      })}`
      yield* readBack("device_codes", { deviceCodeHash: "a".repeat(64) })
      yield* sql`INSERT INTO device_codes ${sql.insert({
        deviceCodeHash: "c".repeat(64),
        userCodeHash: "d".repeat(64),
        status: "approved",
        userId: user.id,
        clientName: "starform CLI on laptop",
        userAgent: "starform-cli/0.1.0",
        ip: "2001:db8::1",
        intervalSeconds: 10,
        lastPolledAt: at,
        expiresAt: later,
        decidedAt: at,
      })}`
      const decided = (yield* readBack("device_codes", { deviceCodeHash: "c".repeat(64) })) as Identity.DeviceCode
      expect(decided.status).toBe("approved")
    }),
  )

  it.effect("infrastructure rows decode", () =>
    Effect.gen(function* () {
      const region = yield* Fixtures.region()
      yield* byId("regions", region)
      yield* byId("clusters", yield* Fixtures.cluster({ regionId: region.id }))
      yield* byId(
        "clusters",
        yield* Fixtures.cluster({
          regionId: region.id,
          status: "provisioning",
          apiUrl: null,
          kubeconfigCiphertext: null,
          podCidr: "10.244.0.0/16",
          serviceCidr: "fd00:10:96::/112",
          maxPods: 110,
        }),
      )
      yield* byId("cloud_credentials", yield* Fixtures.cloudCredential())
      yield* byId("cloud_credentials", yield* Fixtures.cloudCredential({ provider: "tigris", regionId: region.id }))
    }),
  )

  it.effect("project, environment, service and domain rows decode", () =>
    Effect.gen(function* () {
      const project = yield* Fixtures.project({ description: "The storefront" })
      yield* byId("projects", project)
      yield* byId("projects", yield* Fixtures.project())

      const production = yield* Fixtures.environment({ projectId: project.id, name: "production" })
      yield* byId("environments", production)
      const cluster = yield* Fixtures.cluster()
      yield* byId(
        "environments",
        yield* Fixtures.environment({
          projectId: project.id,
          name: "pr-42",
          isEphemeral: true,
          gitBranch: "feature/checkout",
          clusterId: cluster.id,
          clonedFromEnvironmentId: production.id,
        }),
      )

      const web = yield* Fixtures.service({ projectId: project.id, environmentId: production.id })
      yield* byId("services", web)
      const installation = yield* Fixtures.githubInstallation()
      yield* byId(
        "services",
        yield* Fixtures.service({
          environmentId: production.id,
          type: "cron",
          port: null,
          isPublic: false,
          cronSchedule: "*/5 * * * *",
          rootDirectory: "/apps/jobs",
          githubInstallationId: installation.id,
          autoDeploy: false,
          autoDeployDisabledReason: "the GitHub App was suspended",
          config: { resources: { cpu: "500m" } },
        }),
      )
      yield* byId(
        "services",
        yield* Fixtures.service({
          environmentId: production.id,
          type: "worker",
          port: null,
          isPublic: false,
          sourceType: "image",
          repoFullName: null,
          branch: null,
          imageRef: "ghcr.io/acme/worker:1.2.3",
        }),
      )

      yield* byId("domains", yield* Fixtures.domain({ serviceId: web.id }))
      yield* byId(
        "domains",
        yield* Fixtures.domain({
          serviceId: web.id,
          hostname: "shop.example.com",
          kind: "custom",
          status: "verified",
          verificationToken: "starform-verify=abc123",
          verifiedAt: at,
        }),
      )
    }),
  )

  it.effect("deployment and build rows decode", () =>
    Effect.gen(function* () {
      const user = yield* Fixtures.user()
      const first = yield* Fixtures.deployment()
      yield* byId("deployments", first)
      const rollback = yield* Fixtures.deployment({
        serviceId: first.serviceId,
        status: "failed",
        trigger: "rollback",
        commitMessage: "Fix checkout",
        imageRef: "registry.starform.test/acme/web:1",
        imageDigest: `sha256:${"ab".repeat(32)}`,
        configSnapshot: { port: 8080, replicas: 2 },
        rollbackOfDeploymentId: first.id,
        createdBy: user.id,
        failureReason: "ProgressDeadlineExceeded",
        startedAt: at,
        finishedAt: later,
      })
      yield* byId("deployments", rollback)

      yield* byId("builds", yield* Fixtures.build({ deploymentId: first.id }))
      yield* byId(
        "builds",
        yield* Fixtures.build({
          deploymentId: first.id,
          status: "failed",
          failureKind: "user",
          failureReason: "the build command exited with 1",
          imageSizeBytes: 3_221_225_472n,
          startedAt: at,
          finishedAt: later,
        }),
      )
      const built = yield* Fixtures.build({
        deploymentId: first.id,
        status: "succeeded",
        workspaceId: `wsp_${"0".repeat(24)}`,
        repoFullName: "acme/web",
        commitSha: "a".repeat(40),
        rootDirectory: "/apps/web",
        overrides: { buildCommand: "npm run build" },
        imageRef: "registry.starform.test/acme/web:2",
        imageDigest: `sha256:${"cd".repeat(32)}`,
        deadlineAt: later,
        waitingReason: "Waiting for a build slot",
        runnerJob: "build-abc",
        predeployStatus: "failed",
        predeployReason: "exit 1",
        reportedAt: later,
      })
      yield* byId("builds", built)
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO build_transitions (build_id, status, reason) VALUES (${built.id}, 'failed', 'x')`
      yield* readBack("build_transitions", { buildId: built.id, status: "failed" })
      const [line] = yield* sql<{ readonly seq: bigint }>`
        INSERT INTO build_logs (build_id, at, stream, line) VALUES (${built.id}, now(), 'runner', 'npm ci') RETURNING seq`
      yield* readBack("build_logs", { seq: line!.seq })
      yield* sql`INSERT INTO service_build_settings (service_id, project_id, environment_id, timeout_seconds)
        SELECT service_id, project_id, environment_id, 3600 FROM deployments WHERE id = ${first.id}`
      yield* readBack("service_build_settings", { serviceId: first.serviceId })
    }),
  )

  it.effect("integration rows decode", () =>
    Effect.gen(function* () {
      yield* byId("github_installations", yield* Fixtures.githubInstallation())
      yield* byId(
        "github_installations",
        yield* Fixtures.githubInstallation({
          installationId: 9_007_199_254_740_993n,
          accountType: "User",
          status: "suspended",
          accessTokenCiphertext: Fixtures.envelope,
          accessTokenExpiresAt: later,
          suspendedAt: at,
        }),
      )
      yield* byId("webhook_deliveries", yield* Fixtures.webhookDelivery())
      yield* byId(
        "webhook_deliveries",
        yield* Fixtures.webhookDelivery({
          provider: "stripe",
          event: "invoice.paid",
          status: "failed",
          error: "no such customer",
          processedAt: later,
          detail: "ignored: no such customer",
        }),
      )
    }),
  )

  it.effect("variable rows decode", () =>
    Effect.gen(function* () {
      const service = yield* Fixtures.service()
      yield* byId("service_variables", yield* Fixtures.serviceVariable({ serviceId: service.id, key: "DATABASE_URL" }))
      const group = yield* Fixtures.varGroup({ projectId: service.projectId, description: "Shared secrets" })
      yield* byId("var_groups", group)
      yield* byId("var_groups", yield* Fixtures.varGroup())
      yield* byId("var_group_entries", yield* Fixtures.varGroupEntry({ varGroupId: group.id }))
      yield* byId(
        "var_group_entries",
        yield* Fixtures.varGroupEntry({ varGroupId: group.id, environmentId: service.environmentId }),
      )
      const link = yield* Fixtures.serviceVarGroup({ serviceId: service.id, varGroupId: group.id })
      yield* readBack("service_var_groups", { serviceId: link.serviceId, varGroupId: link.varGroupId })
    }),
  )

  it.effect("storage rows decode", () =>
    Effect.gen(function* () {
      const service = yield* Fixtures.service()
      yield* byId("buckets", yield* Fixtures.bucket())
      yield* byId(
        "buckets",
        yield* Fixtures.bucket({
          environmentId: service.environmentId,
          visibility: "public",
          region: "auto",
          status: "provisioning",
          accessKeyId: null,
          secretAccessKeyCiphertext: null,
        }),
      )
      yield* byId("volumes", yield* Fixtures.volume())
      yield* byId(
        "volumes",
        yield* Fixtures.volume({ serviceId: service.id, environmentId: service.environmentId, sizeGb: 16384 }),
      )
      yield* byId("databases", yield* Fixtures.database())
      yield* byId(
        "databases",
        yield* Fixtures.database({
          engine: "redis",
          status: "provisioning",
          host: null,
          port: null,
          username: null,
          passwordCiphertext: null,
        }),
      )
    }),
  )

  it.effect("billing rows decode", () =>
    Effect.gen(function* () {
      const customer = yield* Fixtures.billingCustomer({ email: "Billing@Acme.example" })
      yield* byId("billing_customers", customer)
      yield* byId("subscriptions", yield* Fixtures.subscription({ customerId: customer.id }))
      yield* byId(
        "subscriptions",
        yield* Fixtures.subscription({ customerId: customer.id, status: "past_due", cancelAtPeriodEnd: true }),
      )
      yield* byId("invoices", yield* Fixtures.invoice({ customerId: customer.id }))
      yield* byId(
        "invoices",
        yield* Fixtures.invoice({
          customerId: customer.id,
          status: "paid",
          amountPaidCents: 2000n,
          hostedInvoiceUrl: "https://invoice.stripe.test/i/acme",
        }),
      )
      yield* byId("usage_records", yield* Fixtures.usageRecord())
      const service = yield* Fixtures.service()
      const usage = (yield* byId(
        "usage_records",
        yield* Fixtures.usageRecord({
          workspaceId: customer.workspaceId,
          projectId: service.projectId,
          environmentId: service.environmentId,
          serviceId: service.id,
          metric: "egress_bytes",
          quantity: "12.500",
          reportedAt: later,
        }),
      )) as Billing.UsageRecord
      expect(BigDecimal.equals(usage.quantity, BigDecimal.fromStringUnsafe("12.5"))).toBe(true)
    }),
  )
})
