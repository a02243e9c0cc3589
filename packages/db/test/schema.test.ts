import { readdirSync } from "node:fs"
import { describe, expect, it, layer } from "@effect/vitest"
import { Database, Migrations } from "@starform/db"
import { Ids } from "@starform/domain"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect, Predicate } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/** Every table of the control plane's data model. */
const tables = [
  "users",
  "sessions",
  "workspaces",
  "workspace_members",
  "projects",
  "project_members",
  "regions",
  "clusters",
  "cloud_credentials",
  "environments",
  "github_installations",
  "webhook_deliveries",
  "services",
  "domains",
  "deployments",
  "builds",
  "service_variables",
  "var_groups",
  "var_group_entries",
  "service_var_groups",
  "buckets",
  "volumes",
  "databases",
  "billing_customers",
  "subscriptions",
  "invoices",
  "usage_records",
  "api_tokens",
  "audit_log",
]

/** The constraint a statement was refused by; a test failure if the statement was accepted. */
const refusal = <A, R>(statement: Effect.Effect<A, SqlError, R>) =>
  statement.pipe(
    Effect.flatMap(() => Effect.die(new Error("the statement was accepted, but it should have been refused"))),
    Effect.catchTag("SqlError", (error) => {
      const cause = error.reason.cause
      return Effect.succeed(Predicate.hasProperty(cause, "constraint") ? String(cause.constraint) : error.message)
    }),
  )

/** What the migrations made: tables, columns, constraints, indexes, triggers, functions, and the migration log. */
const catalogue = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly kind: string; readonly definition: string }>`
    SELECT 'column' AS kind,
      table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
      AS definition
    FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL
    SELECT 'constraint', conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'index', indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL
    SELECT 'trigger', tgrelid::regclass::text || ' ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL
    SELECT 'function', proname || ' ' || md5(prosrc) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'migration', migration_id || ' ' || name || ' ' || created_at FROM starform_migrations
    ORDER BY 1, 2`
  return rows.map(({ kind, definition }) => `${kind}: ${definition}`)
})

const publicTables = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly tableName: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`
  return rows.map((row) => row.tableName).sort()
})

describe("migrations", () => {
  it.effect("apply to an empty database, creating every table of the data model, and re-apply as a no-op", () =>
    Effect.gen(function* () {
      const { url } = yield* TestDatabase.empty
      yield* Effect.gen(function* () {
        const applied = yield* Migrations.run()
        expect(applied.length).toBeGreaterThan(0)
        // Every file in migrations/ ran, in id order (ids have gaps: areas once numbered in ranges of their own).
        const files = readdirSync(Migrations.directory)
          .filter((name) => name.endsWith(".sql"))
          .map((name) => Number(name.slice(0, 4)))
        expect(applied.map(([id]) => id)).toEqual([...files].sort((a, b) => a - b))
        expect(yield* publicTables).toEqual(expect.arrayContaining([...tables, Migrations.table]))

        const before = yield* catalogue
        expect(yield* Migrations.run()).toEqual([])
        expect(yield* catalogue).toEqual(before)
      }).pipe(Effect.provide(Database.layer(url, { maxConnections: 1 })))
    }),
  )
})

layer(TestDatabase.layer)("the control-plane schema", (it) => {
  it.effect("every table accepts the rows its fixture makes, parents created on demand", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const { user, session, workspace, workspaceMember, project, projectMember, region, cluster } = Fixtures
      const { cloudCredential, environment, githubInstallation, webhookDelivery, service, domain } = Fixtures
      const { deployment, build, serviceVariable, varGroup, varGroupEntry, serviceVarGroup, bucket } = Fixtures
      const { volume, database, billingCustomer, subscription, invoice, usageRecord, apiToken, auditEntry } = Fixtures
      const made = [
        ...[user(), session(), workspace(), workspaceMember(), project(), projectMember(), region(), cluster()],
        ...[cloudCredential(), environment(), githubInstallation(), webhookDelivery(), service(), domain()],
        ...[deployment(), build(), serviceVariable(), varGroup(), varGroupEntry(), serviceVarGroup(), bucket()],
        ...[volume(), database(), billingCustomer(), subscription(), invoice(), usageRecord(), apiToken()],
        auditEntry(),
      ]
      for (const fixture of made) expect((yield* fixture).createdAt).toBeInstanceOf(Date)
      for (const table of tables) {
        const rows = yield* sql<{ readonly count: number }>`SELECT count(*)::int AS count FROM ${sql(table)}`
        expect(rows[0]!.count, table).toBeGreaterThan(0)
      }

      const group = yield* varGroup()
      const link = yield* serviceVarGroup({ varGroupId: group.id })
      expect(link.projectId).toBe(group.projectId)
      const second = yield* serviceVarGroup({ serviceId: link.serviceId })
      expect(second.position).toBe(link.position + 1)
    }),
  )

  describe("ids", () => {
    it.effect("an id must carry its table's prefix", () =>
      Effect.gen(function* () {
        expect(yield* refusal(Fixtures.project({ id: Ids.makeId(Ids.prefixes.service) }))).toBe("projects_id_format")
        expect(yield* refusal(Fixtures.service({ id: "svc_TOO-SHORT" }))).toBe("services_id_format")
      }),
    )

    it.effect("every table with an id column checks its format", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const unchecked = yield* sql<{ readonly tableName: string }>`
          SELECT c.table_name FROM information_schema.columns c
          WHERE c.table_schema = 'public' AND c.column_name = 'id'
            AND NOT EXISTS (
              SELECT 1 FROM pg_constraint k
              WHERE k.conrelid = ('public.' || c.table_name)::regclass AND k.contype = 'c'
                AND k.conname = c.table_name || '_id_format')`
        expect(unchecked).toEqual([])
      }),
    )
  })

  describe("environments", () => {
    it.effect("an environment name must be a lower-case RFC 1123 label of at most 30 characters", () =>
      Effect.gen(function* () {
        for (const name of ["Prod", "-x", "x-", "a".repeat(31), "pr_42", "pr.42", ""]) {
          expect(yield* refusal(Fixtures.environment({ name })), name).toBe("environments_name_rfc1123")
        }
        const longest = yield* Fixtures.environment({ name: "a".repeat(30) })
        expect(longest.name).toBe("a".repeat(30))
        const single = yield* Fixtures.environment({ name: "x" })
        expect(single.name).toBe("x")
      }),
    )

    it.effect("an environment name is unique within its project, and free in another", () =>
      Effect.gen(function* () {
        const production = yield* Fixtures.environment({ name: "production" })
        expect(yield* refusal(Fixtures.environment({ projectId: production.projectId, name: "production" }))).toBe(
          "environments_name_unique_per_project",
        )
        const elsewhere = yield* Fixtures.environment({ name: "production" })
        expect(elsewhere.projectId).not.toBe(production.projectId)
      }),
    )

    it.effect("a preview environment is flagged ephemeral, whatever its name", () =>
      Effect.gen(function* () {
        const preview = yield* Fixtures.environment({ name: "production-copy", isEphemeral: true })
        expect(preview.isEphemeral).toBe(true)
        expect((yield* Fixtures.environment()).isEphemeral).toBe(false)
      }),
    )
  })

  describe("services", () => {
    it.effect("a service name is unique within its environment, and free in another environment", () =>
      Effect.gen(function* () {
        const api = yield* Fixtures.service({ name: "api" })
        expect(yield* refusal(Fixtures.service({ environmentId: api.environmentId, name: "api" }))).toBe(
          "services_name_unique_per_environment",
        )
        const staging = yield* Fixtures.environment({ projectId: api.projectId })
        const other = yield* Fixtures.service({ environmentId: staging.id, name: "api" })
        expect(other.name).toBe("api")
      }),
    )

    it.effect("a service is a web service, a worker or a cron job", () =>
      Effect.gen(function* () {
        expect(yield* refusal(Fixtures.service({ type: "lambda" }))).toBe("services_type_known")
        for (const type of ["web", "worker", "cron"]) {
          expect((yield* Fixtures.service({ type })).type).toBe(type)
        }
      }),
    )

    it.effect("a web service listens on a port, a cron job runs on a schedule, a worker has neither", () =>
      Effect.gen(function* () {
        expect(yield* refusal(Fixtures.service({ type: "web", port: null }))).toBe("services_web_needs_port")
        expect(yield* refusal(Fixtures.service({ type: "cron", cronSchedule: null }))).toBe(
          "services_cron_needs_schedule",
        )
        expect(yield* refusal(Fixtures.service({ type: "worker", port: 8080 }))).toBe("services_port_only_for_web")
        expect(yield* refusal(Fixtures.service({ type: "worker", cronSchedule: "@daily" }))).toBe(
          "services_schedule_only_for_cron",
        )
        expect(yield* refusal(Fixtures.service({ port: 70000 }))).toBe("services_port_range")
      }),
    )

    it.effect("only a web service can be public", () =>
      Effect.gen(function* () {
        expect(yield* refusal(Fixtures.service({ type: "worker", isPublic: true }))).toBe("services_only_web_is_public")
        expect(yield* refusal(Fixtures.service({ type: "cron", isPublic: true }))).toBe("services_only_web_is_public")
        expect((yield* Fixtures.service({ type: "web", isPublic: false })).isPublic).toBe(false)
      }),
    )

    it.effect("a service builds from a repository and branch, or runs an image", () =>
      Effect.gen(function* () {
        expect(yield* refusal(Fixtures.service({ branch: null }))).toBe("services_repo_source_needs_repo")
        expect(yield* refusal(Fixtures.service({ sourceType: "image", repoFullName: null, branch: null }))).toBe(
          "services_image_source_needs_image",
        )
        const image = yield* Fixtures.service({
          sourceType: "image",
          repoFullName: null,
          branch: null,
          imageRef: "ghcr.io/acme/api:1.2.3",
        })
        expect(image.imageRef).toBe("ghcr.io/acme/api:1.2.3")
      }),
    )
  })

  describe("encrypted columns", () => {
    it.effect("a plaintext value is refused where a ciphertext envelope belongs", () =>
      Effect.gen(function* () {
        expect(yield* refusal(Fixtures.serviceVariable({ valueCiphertext: "postgres://app:hunter2@db/app" }))).toBe(
          "service_variables_value_ciphertext_envelope",
        )
        const stored = yield* Fixtures.serviceVariable({ valueCiphertext: Fixtures.envelope })
        expect(stored.valueCiphertext).toBe(Fixtures.envelope)
      }),
    )

    it.effect("every *_ciphertext column refuses plaintext", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const rowOf: Record<string, Effect.Effect<{ readonly id: unknown }, SqlError, SqlClient.SqlClient>> = {
          users: Fixtures.user(),
          clusters: Fixtures.cluster(),
          cloud_credentials: Fixtures.cloudCredential(),
          github_installations: Fixtures.githubInstallation(),
          service_variables: Fixtures.serviceVariable(),
          var_group_entries: Fixtures.varGroupEntry(),
          buckets: Fixtures.bucket(),
          databases: Fixtures.database(),
          deployments: Fixtures.deployment(),
        }
        const columns = yield* sql<{ readonly tableName: string; readonly columnName: string }>`
          SELECT table_name, column_name FROM information_schema.columns
          WHERE table_schema = 'public' AND column_name LIKE '%\\_ciphertext' ORDER BY table_name, column_name`
        expect(columns.map((column) => column.tableName).sort()).toEqual(Object.keys(rowOf).sort())
        for (const { tableName, columnName } of columns) {
          const row = yield* rowOf[tableName]!
          const update = sql.unsafe(`UPDATE ${tableName} SET ${columnName} = $1 WHERE id = $2`, ["hunter2", row.id])
          expect(yield* refusal(update), `${tableName}.${columnName}`).toBe(`${tableName}_${columnName}_envelope`)
        }
      }),
    )
  })

  describe("webhook deliveries", () => {
    it.effect("a delivery is recorded once per provider, so a redelivery is recognised", () =>
      Effect.gen(function* () {
        const first = yield* Fixtures.webhookDelivery({ provider: "github" })
        expect(yield* refusal(Fixtures.webhookDelivery({ provider: "github", deliveryId: first.deliveryId }))).toBe(
          "webhook_deliveries_delivery_unique_per_provider",
        )
        const stripe = yield* Fixtures.webhookDelivery({ provider: "stripe", deliveryId: first.deliveryId })
        expect(stripe.deliveryId).toBe(first.deliveryId)
      }),
    )
  })

  describe("deployments", () => {
    it.effect("a service has at most one active deployment", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const active = yield* Fixtures.deployment({ status: "active" })
        expect(yield* refusal(Fixtures.deployment({ serviceId: active.serviceId, status: "active" }))).toBe(
          "deployments_one_active_per_service",
        )
        // the release that replaces it becomes active as the old one is superseded
        const next = yield* Fixtures.deployment({ serviceId: active.serviceId, status: "deploying" })
        yield* sql`UPDATE deployments SET status = CASE id WHEN ${active.id} THEN 'superseded' ELSE 'active' END
                   WHERE id IN (${active.id}, ${next.id})`
        const statuses = yield* sql<{ readonly number: number; readonly status: string }>`
          SELECT number, status FROM deployments WHERE service_id = ${active.serviceId} ORDER BY number`
        expect(statuses).toEqual([
          { number: 1, status: "superseded" },
          { number: 2, status: "active" },
        ])
        // another service's active deployment is no conflict
        expect((yield* Fixtures.deployment({ status: "active" })).status).toBe("active")
      }),
    )

    it.effect("deployment numbers are unique per service", () =>
      Effect.gen(function* () {
        const first = yield* Fixtures.deployment()
        expect(yield* refusal(Fixtures.deployment({ serviceId: first.serviceId, number: first.number }))).toBe(
          "deployments_number_unique_per_service",
        )
      }),
    )
  })

  describe("var groups", () => {
    it.effect("a service can link only var groups of its own project", () =>
      Effect.gen(function* () {
        const service = yield* Fixtures.service()
        const foreign = yield* Fixtures.varGroup()
        expect(yield* refusal(Fixtures.serviceVarGroup({ serviceId: service.id, varGroupId: foreign.id }))).toBe(
          "service_var_groups_group_in_service_project",
        )
        const own = yield* Fixtures.varGroup({ projectId: service.projectId })
        const link = yield* Fixtures.serviceVarGroup({ serviceId: service.id, varGroupId: own.id })
        expect(link.varGroupId).toBe(own.id)
      }),
    )

    it.effect("a group has one default value per key and one override per environment", () =>
      Effect.gen(function* () {
        const entry = yield* Fixtures.varGroupEntry({ key: "LOG_LEVEL" })
        expect(yield* refusal(Fixtures.varGroupEntry({ varGroupId: entry.varGroupId, key: "LOG_LEVEL" }))).toBe(
          "var_group_entries_key_unique_per_environment",
        )
        const staging = yield* Fixtures.environment({ projectId: entry.projectId })
        const override = yield* Fixtures.varGroupEntry({
          varGroupId: entry.varGroupId,
          key: "LOG_LEVEL",
          environmentId: staging.id,
        })
        expect(override.environmentId).toBe(staging.id)
        // an override names an environment of the group's own project
        const elsewhere = yield* Fixtures.environment()
        expect(
          yield* refusal(
            Fixtures.varGroupEntry({ varGroupId: entry.varGroupId, key: "DEBUG", environmentId: elsewhere.id }),
          ),
        ).toBe("var_group_entries_environment_fk")
      }),
    )
  })

  describe("usage records", () => {
    it.effect("reporting the same usage period twice is refused, even when no service is named", () =>
      Effect.gen(function* () {
        const first = yield* Fixtures.usageRecord()
        expect(
          yield* refusal(Fixtures.usageRecord({ workspaceId: first.workspaceId, periodStart: first.periodStart })),
        ).toBe("usage_records_once_per_period")
      }),
    )
  })

  describe("deletion", () => {
    it.effect("deleting a project removes its environments, services, deployments and builds", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const build = yield* Fixtures.build()
        const clone = yield* Fixtures.environment({ projectId: build.projectId })
        yield* sql`UPDATE environments SET cloned_from_environment_id = ${build.environmentId} WHERE id = ${clone.id}`
        yield* Fixtures.service({ environmentId: clone.id })
        const bystander = yield* Fixtures.build()

        yield* sql`DELETE FROM projects WHERE id = ${build.projectId}`

        const remaining = (table: string, projectId: unknown) =>
          sql<{
            readonly count: number
          }>`SELECT count(*)::int AS count FROM ${sql(table)} WHERE project_id = ${projectId}`.pipe(
            Effect.map((rows) => rows[0]!.count),
          )
        for (const table of ["environments", "services", "deployments", "builds"]) {
          expect(yield* remaining(table, build.projectId), table).toBe(0)
          expect(yield* remaining(table, bystander.projectId), table).toBeGreaterThan(0)
        }
      }),
    )

    it.effect("a region with clusters cannot be deleted; an empty one can", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const cluster = yield* Fixtures.cluster()
        expect(yield* refusal(sql`DELETE FROM regions WHERE id = ${cluster.regionId}`)).toBe("clusters_region_fk")
        const empty = yield* Fixtures.region()
        yield* sql`DELETE FROM regions WHERE id = ${empty.id}`
        expect(yield* sql`SELECT 1 FROM regions WHERE id = ${empty.id}`).toEqual([])
      }),
    )

    it.effect("a cluster that hosts environments cannot be deleted", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const cluster = yield* Fixtures.cluster()
        yield* Fixtures.environment({ clusterId: cluster.id })
        expect(yield* refusal(sql`DELETE FROM clusters WHERE id = ${cluster.id}`)).toBe("environments_cluster_fk")
      }),
    )

    it.effect("deleting a service detaches its volumes and keeps their data", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const service = yield* Fixtures.service()
        const volume = yield* Fixtures.volume({ environmentId: service.environmentId, serviceId: service.id })
        yield* sql`DELETE FROM services WHERE id = ${service.id}`
        const rows = yield* sql<{ readonly serviceId: string | null; readonly environmentId: string }>`
          SELECT service_id, environment_id FROM volumes WHERE id = ${volume.id}`
        expect(rows).toEqual([{ serviceId: null, environmentId: service.environmentId }])
      }),
    )
  })

  describe("audit log", () => {
    it.effect("the audit log refuses UPDATE, DELETE and TRUNCATE", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const entry = yield* Fixtures.auditEntry()
        expect(yield* refusal(sql`UPDATE audit_log SET action = 'service.delete' WHERE id = ${entry.id}`)).toBe(
          "audit_log_append_only",
        )
        expect(yield* refusal(sql`DELETE FROM audit_log WHERE id = ${entry.id}`)).toBe("audit_log_append_only")
        expect(yield* refusal(sql`TRUNCATE audit_log`)).toBe("audit_log_append_only")
        const kept = yield* sql<{ readonly action: string }>`SELECT action FROM audit_log WHERE id = ${entry.id}`
        expect(kept).toEqual([{ action: "service.create" }])
      }),
    )

    it.effect("erasing a person replaces their id with a pseudonym and clears ip and user agent", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const entry = yield* Fixtures.auditEntry()
        yield* sql`UPDATE audit_log SET actor_id = 'pseudonym_7f3k2q', ip = NULL, user_agent = NULL
                   WHERE id = ${entry.id}`
        const rows = yield* sql`SELECT actor_id, ip, user_agent, action, outcome FROM audit_log WHERE id = ${entry.id}`
        expect(rows).toEqual([
          { actorId: "pseudonym_7f3k2q", ip: null, userAgent: null, action: "service.create", outcome: "success" },
        ])
      }),
    )

    it.effect("erasure cannot rewrite an entry: no other actor, and no other column", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const entry = yield* Fixtures.auditEntry()
        const someoneElse = Ids.makeId(Ids.prefixes.user)
        expect(yield* refusal(sql`UPDATE audit_log SET actor_id = ${someoneElse} WHERE id = ${entry.id}`)).toBe(
          "audit_log_append_only",
        )
        expect(
          yield* refusal(
            sql`UPDATE audit_log SET actor_id = 'pseudonym_abc', outcome = 'denied' WHERE id = ${entry.id}`,
          ),
        ).toBe("audit_log_append_only")
        expect(yield* refusal(sql`UPDATE audit_log SET ip = '198.51.100.1' WHERE id = ${entry.id}`)).toBe(
          "audit_log_append_only",
        )
      }),
    )
  })
})
