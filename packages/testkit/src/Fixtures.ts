import { randomBytes, randomInt, randomUUID } from "node:crypto"
import { Ids } from "@starform/domain"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/**
 * Valid rows for tests, one helper per table: `Fixtures.service()` inserts a web service (and the workspace,
 * project and environment it needs) and returns the stored row, camelCased. Overrides replace any column, so a
 * test states only what it is about: `Fixtures.environment({ name: "Prod" })` fails on the name rule. A parent
 * passed by id is reused (`Fixtures.service({ environmentId })`); a missing one is created.
 *
 * They need the camelCase `SqlClient` of `Database.layer` / `TestDatabase.layer`.
 */

/** A syntactically valid `enc:v1:<keyId>:<nonce>:<ciphertext+tag>` envelope; it decrypts under no key. */
export const envelope = "enc:v1:0000000000000000:AAAAAAAAAAAAAAAA:Zml4dHVyZS1jaXBoZXJ0ZXh0"

/** Column values by camelCase column name. */
export type Overrides = { readonly [column: string]: unknown }
type NoOverrides = Record<never, never>

/** The stored row: the defaults with the overrides on top, plus what the database filled in. */
export type Row<Defaults, O> = Readonly<Omit<Defaults, keyof O> & O> & {
  readonly createdAt: Date
  readonly [column: string]: unknown
}

type Fixture<R> = Effect.Effect<R, SqlError, SqlClient.SqlClient>

/** A name no other fixture row has, valid as an RFC 1123 label: `stem-` and 8 hex characters. */
export const uniqueName = (stem: string) => `${stem}-${randomBytes(4).toString("hex")}`

const hex = (bytes: number) => randomBytes(bytes).toString("hex")

const insert = <D extends Overrides, O extends Overrides>(
  table: string,
  defaults: D,
  overrides: O,
): Fixture<Row<D, O>> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const values = Object.fromEntries(
      Object.entries({ ...defaults, ...overrides }).map(([column, value]) => [column, asParameter(value)]),
    )
    const rows = yield* sql<Row<D, O>>`INSERT INTO ${sql(table)} ${sql.insert(values)} RETURNING *`
    return rows[0]!
  })

// jsonb columns take their JSON text: the driver binds plain objects as nothing it knows.
const asParameter = (value: unknown) =>
  value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date)
    ? JSON.stringify(value)
    : value

const given = (overrides: Overrides, column: string): string | undefined => {
  const value = overrides[column]
  return typeof value === "string" ? value : undefined
}

/** One row of `table` by id, or a defect naming what the test got wrong. */
const lookup = <A extends object>(table: string, columns: string, id: string, fixture: string): Fixture<A> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<A>`SELECT ${sql.literal(columns)} FROM ${sql(table)} WHERE id = ${id}`
    if (rows[0] === undefined) {
      return yield* Effect.die(new Error(`Fixtures.${fixture}: there is no ${table} row ${id}`))
    }
    return rows[0]
  })

/** The next value of a counting `column` among the rows of `table` where `scope` = `id`: `first`, then one more. */
const next = (table: string, column: string, scope: string, id: string, first = 1): Fixture<number> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly next: number }>`
      SELECT COALESCE(MAX(${sql(column)}) + 1, ${first})::int AS next FROM ${sql(table)} WHERE ${sql(scope)} = ${id}`
    return rows[0]!.next
  })

type EnvironmentKey = { readonly projectId: string; readonly environmentId: string }
type ServiceKey = EnvironmentKey & { readonly serviceId: string }

const workspaceOf = (overrides: Overrides): Fixture<string> => {
  const id = given(overrides, "workspaceId")
  return id ? Effect.succeed(id) : Effect.map(workspace(), (row) => row.id)
}

const userOf = (overrides: Overrides): Fixture<string> => {
  const id = given(overrides, "userId")
  return id ? Effect.succeed(id) : Effect.map(user(), (row) => row.id)
}

const projectOf = (overrides: Overrides): Fixture<string> => {
  const id = given(overrides, "projectId")
  return id ? Effect.succeed(id) : Effect.map(project(), (row) => row.id)
}

const regionOf = (overrides: Overrides): Fixture<string> => {
  const id = given(overrides, "regionId")
  return id ? Effect.succeed(id) : Effect.map(region(), (row) => row.id)
}

/** The (project, environment) a row goes in: the given environment, or a new one (in the given project). */
const environmentKeyOf = (overrides: Overrides, fixture: string): Fixture<EnvironmentKey> => {
  const environmentId = given(overrides, "environmentId")
  const projectId = given(overrides, "projectId")
  if (environmentId && projectId) return Effect.succeed({ projectId, environmentId })
  if (environmentId) {
    return lookup<{ readonly projectId: string }>("environments", "project_id", environmentId, fixture).pipe(
      Effect.map((row) => ({ projectId: row.projectId, environmentId })),
    )
  }
  return Effect.gen(function* () {
    const projectId = yield* projectOf(overrides)
    const created = yield* environment({ projectId })
    return { projectId, environmentId: created.id }
  })
}

/** The full tenant key a row goes under: the given service's, or a new web service's. */
const serviceKeyOf = (overrides: Overrides, fixture: string): Fixture<ServiceKey> => {
  const serviceId = given(overrides, "serviceId")
  const projectId = given(overrides, "projectId")
  const environmentId = given(overrides, "environmentId")
  if (serviceId && projectId && environmentId) return Effect.succeed({ projectId, environmentId, serviceId })
  if (serviceId) {
    return lookup<EnvironmentKey>("services", "project_id, environment_id", serviceId, fixture).pipe(
      Effect.map((row) => ({ projectId: row.projectId, environmentId: row.environmentId, serviceId })),
    )
  }
  return Effect.gen(function* () {
    const key = yield* environmentKeyOf(overrides, fixture)
    const created = yield* service(key)
    return { ...key, serviceId: created.id }
  })
}

/** The workspace and billing customer a billing row belongs to. */
const customerOf = (overrides: Overrides, fixture: string) => {
  const customerId = given(overrides, "customerId")
  const workspaceId = given(overrides, "workspaceId")
  if (customerId && workspaceId) return Effect.succeed({ workspaceId, customerId })
  if (customerId) {
    return lookup<{ readonly workspaceId: string }>("billing_customers", "workspace_id", customerId, fixture).pipe(
      Effect.map((row) => ({ workspaceId: row.workspaceId, customerId })),
    )
  }
  return Effect.gen(function* () {
    const owner = yield* workspaceOf(overrides)
    const created = yield* billingCustomer({ workspaceId: owner })
    return { workspaceId: owner, customerId: created.id }
  })
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000)

// Identity

export const user = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  insert(
    "users",
    {
      id: Ids.makeId(Ids.prefixes.user),
      email: `${uniqueName("user")}@example.com`,
      name: "Ada Lovelace",
      passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$fixture$fixture",
      status: "active",
    },
    overrides,
  )

export const session = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const userId = yield* userOf(overrides)
    const id = Ids.makeId(Ids.prefixes.session)
    return yield* insert(
      "sessions",
      { id, userId, familyId: id, refreshTokenHash: hex(32), expiresAt: inDays(30) },
      overrides,
    )
  })

export const workspace = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  insert(
    "workspaces",
    { id: Ids.makeId(Ids.prefixes.workspace), name: "Acme", slug: uniqueName("acme"), plan: "hobby" },
    overrides,
  )

export const workspaceMember = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const workspaceId = yield* workspaceOf(overrides)
    const userId = yield* userOf(overrides)
    return yield* insert("workspace_members", { workspaceId, userId, role: "developer" }, overrides)
  })

// Projects

export const project = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const workspaceId = yield* workspaceOf(overrides)
    return yield* insert(
      "projects",
      { id: Ids.makeId(Ids.prefixes.project), workspaceId, name: uniqueName("project") },
      overrides,
    )
  })

/** A project role of a member of the project's workspace; the person is made a workspace member if they are not. */
export const projectMember = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const projectId = given(overrides, "projectId")
    const { workspaceId, id } =
      projectId === undefined
        ? yield* project({ workspaceId: yield* workspaceOf(overrides) })
        : yield* lookup<{ readonly workspaceId: string; readonly id: string }>(
            "projects",
            "workspace_id, id",
            projectId,
            "projectMember",
          )
    const userId = yield* userOf(overrides)
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO workspace_members ${sql.insert({ workspaceId, userId, role: "developer" })}
      ON CONFLICT DO NOTHING`
    return yield* insert("project_members", { workspaceId, projectId: id, userId, role: "developer" }, overrides)
  })

export const environment = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const projectId = yield* projectOf(overrides)
    return yield* insert(
      "environments",
      { id: Ids.makeId(Ids.prefixes.environment), projectId, name: uniqueName("env"), isEphemeral: false },
      overrides,
    )
  })

/**
 * A service built from a GitHub repository: by default a public web service on port 8080; with
 * `{ type: "worker" }` a private worker, with `{ type: "cron" }` a job every five minutes.
 */
export const service = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const key = yield* environmentKeyOf(overrides, "service")
    const type = given(overrides, "type") ?? "web"
    return yield* insert(
      "services",
      {
        id: Ids.makeId(Ids.prefixes.service),
        ...key,
        name: uniqueName(type === "web" ? "web" : type === "cron" ? "job" : "worker"),
        type,
        sourceType: "repo",
        repoFullName: "acme/web",
        branch: "main",
        port: type === "web" ? 8080 : null,
        cronSchedule: type === "cron" ? "*/5 * * * *" : null,
        isPublic: type === "web",
        config: {},
      },
      overrides,
    )
  })

export const domain = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const key = yield* serviceKeyOf(overrides, "domain")
    return yield* insert(
      "domains",
      {
        id: Ids.makeId(Ids.prefixes.domain),
        ...key,
        hostname: `${uniqueName("app")}.starform.test`,
        kind: "generated",
        status: "active",
      },
      overrides,
    )
  })

// Deploys

/** The service's next deployment, queued from a push. */
export const deployment = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const key = yield* serviceKeyOf(overrides, "deployment")
    const number = yield* next("deployments", "number", "service_id", key.serviceId)
    return yield* insert(
      "deployments",
      {
        id: Ids.makeId(Ids.prefixes.deployment),
        ...key,
        number,
        status: "queued",
        trigger: "push",
        commitSha: hex(20),
        configSnapshot: {},
      },
      overrides,
    )
  })

/** The deployment's next build attempt, queued. */
export const build = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const deploymentId =
      given(overrides, "deploymentId") ?? (yield* deployment(yield* serviceKeyOf(overrides, "build"))).id
    const key = yield* lookup<ServiceKey>(
      "deployments",
      "project_id, environment_id, service_id",
      deploymentId,
      "build",
    )
    const attempt = yield* next("builds", "attempt", "deployment_id", deploymentId)
    return yield* insert(
      "builds",
      {
        id: Ids.makeId(Ids.prefixes.build),
        deploymentId,
        projectId: key.projectId,
        environmentId: key.environmentId,
        serviceId: key.serviceId,
        attempt,
        status: "queued",
      },
      overrides,
    )
  })

// Infrastructure

export const region = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  insert(
    "regions",
    {
      id: Ids.makeId(Ids.prefixes.region),
      slug: uniqueName("nyc"),
      name: "New York",
      provider: "digitalocean",
      status: "active",
    },
    overrides,
  )

/** An active cluster, reachable (API URL and an encrypted kubeconfig). */
export const cluster = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const regionId = yield* regionOf(overrides)
    return yield* insert(
      "clusters",
      {
        id: Ids.makeId(Ids.prefixes.cluster),
        regionId,
        name: uniqueName("doks"),
        apiUrl: "https://k8s.starform.test",
        kubeconfigCiphertext: envelope,
        status: "active",
      },
      overrides,
    )
  })

export const cloudCredential = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  insert(
    "cloud_credentials",
    {
      id: Ids.makeId(Ids.prefixes.cloudCredential),
      provider: "digitalocean",
      label: "DigitalOcean API token",
      secretCiphertext: envelope,
    },
    overrides,
  )

// Integrations

export const githubInstallation = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const workspaceId = yield* workspaceOf(overrides)
    return yield* insert(
      "github_installations",
      {
        id: Ids.makeId(Ids.prefixes.githubInstallation),
        workspaceId,
        installationId: BigInt(randomInt(1, 2 ** 47)),
        accountLogin: "acme",
        accountType: "Organization",
        status: "active",
      },
      overrides,
    )
  })

export const webhookDelivery = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  insert(
    "webhook_deliveries",
    {
      id: Ids.makeId(Ids.prefixes.webhookDelivery),
      provider: "github",
      deliveryId: randomUUID(),
      event: "push",
      status: "received",
    },
    overrides,
  )

// Variables

export const serviceVariable = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const key = yield* serviceKeyOf(overrides, "serviceVariable")
    return yield* insert(
      "service_variables",
      {
        id: Ids.makeId(Ids.prefixes.serviceVariable),
        ...key,
        key: `VAR_${hex(4).toUpperCase()}`,
        valueCiphertext: envelope,
      },
      overrides,
    )
  })

export const varGroup = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const projectId = yield* projectOf(overrides)
    return yield* insert(
      "var_groups",
      { id: Ids.makeId(Ids.prefixes.varGroup), projectId, name: uniqueName("shared") },
      overrides,
    )
  })

/** A group's default value for a key (no `environmentId`: it applies in every environment). */
export const varGroupEntry = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const varGroupId =
      given(overrides, "varGroupId") ?? (yield* varGroup({ projectId: yield* projectOf(overrides) })).id
    const group = yield* lookup<{ readonly projectId: string }>("var_groups", "project_id", varGroupId, "varGroupEntry")
    return yield* insert(
      "var_group_entries",
      {
        id: Ids.makeId(Ids.prefixes.varGroupEntry),
        projectId: group.projectId,
        varGroupId,
        key: `VAR_${hex(4).toUpperCase()}`,
        valueCiphertext: envelope,
      },
      overrides,
    )
  })

/** Links a var group to a service, after the groups already linked. Both default to new ones in one project. */
export const serviceVarGroup = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const groupId = given(overrides, "varGroupId")
    // a service made here goes in the given group's project
    const parent =
      groupId && !given(overrides, "serviceId")
        ? { ...overrides, ...(yield* lookup<Overrides>("var_groups", "project_id", groupId, "serviceVarGroup")) }
        : overrides
    const key = yield* serviceKeyOf(parent, "serviceVarGroup")
    const varGroupId = groupId ?? (yield* varGroup({ projectId: key.projectId })).id
    const position = yield* next("service_var_groups", "position", "service_id", key.serviceId, 0)
    return yield* insert("service_var_groups", { ...key, varGroupId, position }, overrides)
  })

// Storage

export const bucket = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const key = yield* environmentKeyOf(overrides, "bucket")
    return yield* insert(
      "buckets",
      {
        id: Ids.makeId(Ids.prefixes.bucket),
        ...key,
        name: uniqueName("assets"),
        visibility: "private",
        providerBucketName: uniqueName("sf-assets"),
        accessKeyId: `tid_${hex(8)}`,
        secretAccessKeyCiphertext: envelope,
        status: "ready",
      },
      overrides,
    )
  })

/** A detached 10 GB volume (pass `serviceId` to attach it). */
export const volume = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const key = yield* environmentKeyOf(overrides, "volume")
    return yield* insert(
      "volumes",
      {
        id: Ids.makeId(Ids.prefixes.volume),
        ...key,
        name: uniqueName("data"),
        sizeGb: 10,
        mountPath: "/data",
        status: "bound",
      },
      overrides,
    )
  })

export const database = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const key = yield* environmentKeyOf(overrides, "database")
    return yield* insert(
      "databases",
      {
        id: Ids.makeId(Ids.prefixes.database),
        ...key,
        name: uniqueName("db"),
        engine: "postgres",
        version: "17",
        host: "db.internal",
        port: 5432,
        username: "app",
        passwordCiphertext: envelope,
        status: "ready",
      },
      overrides,
    )
  })

// Billing

export const billingCustomer = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const workspaceId = yield* workspaceOf(overrides)
    return yield* insert(
      "billing_customers",
      {
        id: Ids.makeId(Ids.prefixes.billingCustomer),
        workspaceId,
        stripeCustomerId: `cus_${hex(7)}`,
        email: "billing@example.com",
      },
      overrides,
    )
  })

/** An active pro subscription in its first 30 days. */
export const subscription = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const owner = yield* customerOf(overrides, "subscription")
    return yield* insert(
      "subscriptions",
      {
        id: Ids.makeId(Ids.prefixes.subscription),
        ...owner,
        stripeSubscriptionId: `sub_${hex(7)}`,
        plan: "pro",
        status: "active",
        currentPeriodStart: new Date(),
        currentPeriodEnd: inDays(30),
      },
      overrides,
    )
  })

/** An open invoice for $20.00. */
export const invoice = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const owner = yield* customerOf(overrides, "invoice")
    return yield* insert(
      "invoices",
      {
        id: Ids.makeId(Ids.prefixes.invoice),
        ...owner,
        stripeInvoiceId: `in_${hex(7)}`,
        status: "open",
        currency: "usd",
        amountDueCents: 2000n,
        amountPaidCents: 0n,
        periodStart: inDays(-30),
        periodEnd: new Date(),
      },
      overrides,
    )
  })

/** An hour of a workspace's CPU usage, not attributed to a service. */
export const usageRecord = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const workspaceId = yield* workspaceOf(overrides)
    const periodStart = new Date()
    return yield* insert(
      "usage_records",
      {
        id: Ids.makeId(Ids.prefixes.usageRecord),
        workspaceId,
        metric: "cpu_seconds",
        quantity: "3600",
        periodStart,
        periodEnd: new Date(periodStart.getTime() + 3_600_000),
      },
      overrides,
    )
  })

// Access

/** A workspace-wide deploy token. */
export const apiToken = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  Effect.gen(function* () {
    const workspaceId = yield* workspaceOf(overrides)
    return yield* insert(
      "api_tokens",
      {
        id: Ids.makeId(Ids.prefixes.apiToken),
        workspaceId,
        name: "CI",
        tokenHash: hex(32),
        tokenPrefix: `sf_${hex(3)}`,
        scopes: ["deploy"],
      },
      overrides,
    )
  })

/** A user's successful `service.create`; the ids it names need not exist (audit entries carry no foreign keys). */
export const auditEntry = <O extends Overrides = NoOverrides>(overrides: O = {} as O) =>
  insert(
    "audit_log",
    {
      id: Ids.makeId(Ids.prefixes.auditEntry),
      workspaceId: Ids.makeId(Ids.prefixes.workspace),
      actorType: "user",
      actorId: Ids.makeId(Ids.prefixes.user),
      action: "service.create",
      targetType: "service",
      targetId: Ids.makeId(Ids.prefixes.service),
      ip: "203.0.113.7",
      userAgent: "starform-cli/1.0",
      outcome: "success",
      metadata: {},
    },
    overrides,
  )
