// biome-ignore-all lint/suspicious/noTemplateCurlyInString: variable references look like template placeholders
import { expect, layer } from "@effect/vitest"
import { type ApiErrors, ServiceConfig, VariablesApi } from "@starform/domain"
import { Deployments, Projects, Services, Variables } from "@starform/projects"
import { Effect, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { cluster, decodeCreate, imageService, project, TestLayer } from "./support.ts"

const createError = (environmentId: string, request: Record<string, unknown>) =>
  Effect.flatMap(Services, (services) =>
    Effect.flip(
      services.create(
        environmentId,
        decodeCreate({ name: "svc", source: { type: "image", imageRef: "ghcr.io/acme/api:1" }, ...request }),
      ),
    ),
  )

const actor = {
  type: "user",
  id: "usr_000000000000000000000001",
  userId: null,
  ip: "203.0.113.9",
  userAgent: "test",
} as const

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("service configuration", (it) => {
  it.effect("a new service gets the defaults a new user expects", () =>
    Effect.gen(function* () {
      const { environment } = yield* project()
      const web = yield* imageService(environment.id, "web")
      expect(web).toMatchObject({
        type: "web",
        port: 8080,
        isPublic: false,
        autoDeploy: true,
        config: {
          scaling: { mode: "fixed", replicas: 1 },
          resources: {
            requests: { cpuMillicores: 100, memoryMib: 256 },
            limits: { cpuMillicores: 1000, memoryMib: 512 },
          },
          drainingSeconds: 30,
          rollout: { maxSurgePercent: 25, maxUnavailablePercent: 0 },
          probes: { startup: null, liveness: null, readiness: null },
        },
      })
    }),
  )

  it.effect("each type's rules are refused with the field and the rule named", () =>
    Effect.gen(function* () {
      const { environment } = yield* project()
      expect(yield* createError(environment.id, { type: "web" })).toMatchObject({
        field: "port",
        rule: "service-shape",
        message: "port is required: a web service listens on a port",
      })
      expect(yield* createError(environment.id, { type: "cron", port: 80, cronSchedule: "@daily" })).toMatchObject({
        field: "port",
        rule: "service-shape",
      })
      expect(yield* createError(environment.id, { type: "cron" })).toMatchObject({ field: "cronSchedule" })
      expect(yield* createError(environment.id, { type: "worker", isPublic: true })).toMatchObject({
        field: "isPublic",
      })
      expect(
        yield* createError(environment.id, {
          type: "worker",
          config: { probes: { readiness: { type: "tcp" } } },
        }),
      ).toMatchObject({ field: "config.probes.readiness.port", rule: "required" })
      const several = yield* createError(environment.id, {
        type: "web",
        port: 80,
        config: {
          scaling: { mode: "autoscale", minReplicas: 5, maxReplicas: 2 },
          resources: {
            requests: { cpuMillicores: 2000, memoryMib: 256 },
            limits: { cpuMillicores: 1000, memoryMib: 512 },
          },
        },
      })
      expect(several).toMatchObject({ field: "config.scaling.maxReplicas", rule: "autoscaling-bounds" })
      expect((several as ApiErrors.ValidationFailed).errors?.map((error) => error.field)).toEqual([
        "config.scaling.maxReplicas",
        "config.resources.requests.cpuMillicores",
      ])
      // the reserved name of var-group references
      expect(yield* createError(environment.id, { name: "shared", type: "worker" })).toMatchObject({
        field: "name",
        rule: "reserved-name",
      })
    }),
  )

  it.effect(
    "a configuration change replaces the sections given and keeps the others; a clash of names is a conflict",
    () =>
      Effect.gen(function* () {
        const { environment } = yield* project()
        const services = yield* Services
        const api = yield* imageService(environment.id, "api", {
          config: { probes: { readiness: { type: "http", path: "/healthz" } } },
        })
        const patch = Schema.decodeUnknownSync(ServiceConfig.ServiceConfigPatch)({
          scaling: { mode: "fixed", replicas: 3 },
        })
        const changed = yield* services.update(api.id, { config: patch })
        expect(changed.config.scaling).toEqual({ mode: "fixed", replicas: 3 })
        expect(changed.config.probes.readiness).toMatchObject({ type: "http", path: "/healthz" })
        yield* imageService(environment.id, "web")
        const clash = yield* Effect.flip(services.update(api.id, { name: "web" as never }))
        expect(clash).toMatchObject({ _tag: "Refused", field: "name" })
      }),
  )
})

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("variables", (it) => {
  it.effect("values are masked on every read; a reveal shows one and is written to the audit log", () =>
    Effect.gen(function* () {
      const { environment, workspaceId } = yield* project()
      const api = yield* imageService(environment.id, "api")
      const variables = yield* Variables
      const listed = yield* variables.setService(api.id, { STRIPE_KEY: "sk_live_123" })
      expect(listed.map((variable) => [variable.key, variable.value])).toEqual([["STRIPE_KEY", VariablesApi.mask]])
      expect(JSON.stringify(yield* variables.listService(api.id))).not.toContain("sk_live_123")

      const revealed = yield* variables.revealService(api.id, "STRIPE_KEY", actor)
      expect(revealed).toEqual({
        key: "STRIPE_KEY",
        value: "sk_live_123",
        references: [],
        resolvedValue: "sk_live_123",
        unresolvedReason: null,
      })
      const sql = yield* SqlClient.SqlClient
      const audit = yield* sql<{ readonly action: string; readonly actorId: string; readonly metadata: unknown }>`
        SELECT action, actor_id, metadata FROM audit_log WHERE workspace_id = ${workspaceId} AND target_id = ${api.id}`
      expect(audit).toEqual([
        {
          action: "variable.reveal",
          actorId: actor.id,
          metadata: { key: "STRIPE_KEY", projectId: api.projectId, environmentId: api.environmentId },
        },
      ])
      // stored sealed, never in clear
      const stored = yield* sql<{ readonly valueCiphertext: string }>`
        SELECT value_ciphertext FROM service_variables WHERE service_id = ${api.id}`
      expect(stored[0]!.valueCiphertext).toMatch(/^enc:v1:/)
    }),
  )

  it.effect("a write that would make a cycle is refused whole, naming the variable and the cycle", () =>
    Effect.gen(function* () {
      const { environment } = yield* project()
      const api = yield* imageService(environment.id, "api")
      const worker = yield* imageService(environment.id, "worker", { type: "worker", port: null })
      const variables = yield* Variables
      yield* variables.setService(api.id, { URL: "https://api.example.com" })
      yield* variables.setService(worker.id, { CALLBACK: "${{ api.URL }}/hook" })
      const error = yield* Effect.flip(
        variables.setService(api.id, { URL: "${{ worker.CALLBACK }}", OTHER: "not kept" }),
      )
      expect(error).toMatchObject({
        _tag: "Invalid",
        field: "variables.URL",
        rule: "reference",
        message: "variables.URL cannot be resolved: references form a cycle: api.URL → worker.CALLBACK → api.URL",
      })
      // nothing of the refused write was kept
      expect((yield* variables.listService(api.id)).map((variable) => variable.key)).toEqual(["URL"])
      expect(yield* variables.revealService(api.id, "URL", actor)).toEqual({
        key: "URL",
        value: "https://api.example.com",
        references: [],
        resolvedValue: "https://api.example.com",
        unresolvedReason: null,
      })

      const self = yield* Effect.flip(variables.setService(api.id, { A: "${{ api.A }}" }))
      expect(self).toMatchObject({
        field: "variables.A",
        message: "variables.A cannot be resolved: api.A refers to itself",
      })
      const unknown = yield* Effect.flip(variables.setService(api.id, { DB: "${{ postgres.URL }}" }))
      expect(unknown.message).toContain("refers to service postgres, which does not exist in this environment")
    }),
  )

  it.effect("groups apply in link order under the service's own values, with per-environment overrides", () =>
    Effect.gen(function* () {
      yield* cluster()
      const { project: created, environment } = yield* project()
      const projects = yield* Projects
      const staging = yield* projects.createEnvironment(created.id, { name: "staging" as never })
      const variables = yield* Variables
      const base = yield* variables.createGroup(created.id, {
        name: "base" as never,
        variables: { REGION: "nyc3", LOG_LEVEL: "info", TIMEOUT: "5" } as never,
      })
      const tuning = yield* variables.createGroup(created.id, {
        name: "tuning" as never,
        variables: { TIMEOUT: "10" } as never,
      })
      yield* variables.setGroup(base.id, { environmentId: staging.id, variables: { REGION: "ams3" } as never })
      const groupView = yield* variables.getGroup(base.id)
      expect(groupView.entries.every((entry) => entry.value === VariablesApi.mask)).toBe(true)

      for (const environmentId of [environment.id, staging.id]) {
        const api = yield* imageService(environmentId, "api")
        yield* variables.link(api.id, [base.id, tuning.id])
        yield* variables.setService(api.id, {
          LOG_LEVEL: "debug",
          SUMMARY: "${{ shared.REGION }}/${{ shared.LOG_LEVEL }}",
        })
        const resolved = Object.fromEntries(yield* variables.resolve(api.id))
        expect(resolved).toEqual({
          REGION: environmentId === staging.id ? "ams3" : "nyc3",
          LOG_LEVEL: "debug",
          TIMEOUT: "10",
          SUMMARY: `${environmentId === staging.id ? "ams3" : "nyc3"}/info`,
        })
      }
      const deployments = yield* Deployments
      const apiInStaging = (yield* (yield* Services).list(staging.id))[0]!
      const deployment = yield* deployments.create(apiInStaging.id, {}, "api", null)
      expect(deployment.snapshot.variableKeys).toEqual(["LOG_LEVEL", "REGION", "SUMMARY", "TIMEOUT"])
    }),
  )
})

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("projects and environments", (it) => {
  it.effect("a project starts with a production environment; environment names follow RFC 1123 and are unique", () =>
    Effect.gen(function* () {
      const { project: created } = yield* project()
      const projects = yield* Projects
      expect((yield* projects.listEnvironments(created.id)).map((environment) => environment.name)).toEqual([
        "production",
      ])
      const taken = yield* Effect.flip(projects.createEnvironment(created.id, { name: "production" as never }))
      expect(taken).toMatchObject({ _tag: "Refused", field: "name" })
      const renamed = yield* projects.update(created.id, { name: "renamed-app" as never })
      expect(renamed.name).toBe("renamed-app")
    }),
  )

  it.effect("a branch maps to one environment of a project", () =>
    Effect.gen(function* () {
      const { project: created, environment } = yield* project()
      const projects = yield* Projects
      yield* projects.updateEnvironment(environment.id, { gitBranch: "main" as never })
      const staging = yield* projects.createEnvironment(created.id, {
        name: "staging" as never,
        gitBranch: "develop" as never,
      })
      expect(staging.gitBranch).toBe("develop")
      const clash = yield* Effect.flip(projects.updateEnvironment(staging.id, { gitBranch: "main" as never }))
      expect(clash).toMatchObject({ _tag: "Refused", field: "gitBranch" })
    }),
  )

  it.effect("a push deploys the services of the environment its branch maps to, unless a service opted out", () =>
    Effect.gen(function* () {
      yield* cluster()
      const { project: created, environment } = yield* project()
      const projects = yield* Projects
      const services = yield* Services
      yield* projects.updateEnvironment(environment.id, { gitBranch: "main" as never })
      const staging = yield* projects.createEnvironment(created.id, {
        name: "staging" as never,
        gitBranch: "develop" as never,
      })
      const repo = `acme/${created.name}`
      const source = { type: "repo", repoFullName: repo, branch: "main", rootDirectory: "/" }
      const prodWorker = yield* services.create(environment.id, { name: "worker", type: "worker", source } as never)
      const stagingWorker = yield* services.create(staging.id, { name: "worker", type: "worker", source } as never)
      yield* services.create(staging.id, { name: "manual", type: "worker", source, autoDeploy: false } as never)

      const deployments = yield* Deployments
      const made = yield* deployments.deployPush({
        repoFullName: repo,
        branch: "develop",
        commitSha: "c".repeat(40),
        commitMessage: "fix",
      })
      expect(made.map((deployment) => [deployment.serviceId, deployment.trigger, deployment.status])).toEqual([
        [stagingWorker.id, "push", "building"],
      ])
      expect(yield* deployments.list(prodWorker.id, 10)).toEqual([])
    }),
  )

  it.effect("cloning an environment copies services, variables, group links and overrides, but no deployments", () =>
    Effect.gen(function* () {
      yield* cluster()
      const { project: created, environment } = yield* project()
      const variables = yield* Variables
      const api = yield* imageService(environment.id, "api", { config: { drainingSeconds: 90 } })
      yield* variables.setService(api.id, { SECRET: "copied" })
      const group = yield* variables.createGroup(created.id, { name: "base" as never, variables: { A: "1" } as never })
      yield* variables.setGroup(group.id, { environmentId: environment.id, variables: { A: "prod" } as never })
      yield* variables.link(api.id, [group.id])
      yield* (yield* Deployments).create(api.id, {}, "api", null)

      const projects = yield* Projects
      const preview = yield* projects.createEnvironment(created.id, {
        name: "pr-42" as never,
        isEphemeral: true,
        cloneFrom: environment.id,
      })
      expect(preview).toMatchObject({ isEphemeral: true, clonedFromEnvironmentId: environment.id })
      const [copy] = yield* (yield* Services).list(preview.id)
      expect(copy).toMatchObject({ name: "api", config: { drainingSeconds: 90 }, activeDeploymentId: null })
      expect(copy!.id).not.toBe(api.id)
      expect(Object.fromEntries(yield* variables.resolve(copy!.id))).toEqual({ SECRET: "copied", A: "prod" })
      expect(yield* (yield* Deployments).list(copy!.id, 10)).toEqual([])

      // only an environment of the same project can be cloned; another project's reads as missing
      const other = yield* project()
      const foreign = yield* Effect.flip(
        projects.createEnvironment(other.project.id, { name: "copy" as never, cloneFrom: environment.id }),
      )
      expect(foreign).toMatchObject({
        _tag: "Missing",
        message: `No environment with id ${environment.id} was found.`,
      })
    }),
  )

  it.effect("locate names the workspace and project of each kind of resource, and a missing one as not found", () =>
    Effect.gen(function* () {
      yield* cluster()
      const { workspaceId, project: created, environment } = yield* project()
      const api = yield* imageService(environment.id, "api")
      const deployment = yield* (yield* Deployments).create(api.id, {}, "api", null)
      const projects = yield* Projects
      const tenant = { workspaceId, projectId: created.id }
      expect(yield* projects.locate("project", created.id)).toEqual(tenant)
      expect(yield* projects.locate("environment", environment.id)).toEqual(tenant)
      expect(yield* projects.locate("service", api.id)).toEqual(tenant)
      expect(yield* projects.locate("deployment", deployment.id)).toEqual(tenant)
      const missing = yield* Effect.flip(projects.locate("service", "svc_000000000000000000000000"))
      expect(missing.message).toBe("No service with id svc_000000000000000000000000 was found.")
    }),
  )
})
