// biome-ignore-all lint/suspicious/noTemplateCurlyInString: variable references look like template placeholders
import { expect, layer } from "@effect/vitest"
import { Catalog, FieldCrypto } from "@starform/crypto"
import { DeploymentLifecycle, Deploys } from "@starform/domain"
import { Deployments, DesiredStateFeed, Variables } from "@starform/projects"
import { Fixtures } from "@starform/testkit"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { cluster, digest, imageService, project, repoService, TestLayer } from "./support.ts"

const serviceOf = (state: DesiredState, serviceId: string) =>
  state.environments.flatMap((environment) => environment.services).find((service) => service.serviceId === serviceId)

type DesiredState = Effect.Success<ReturnType<DesiredStateFeed["Service"]["current"]>>["content"]

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("deployments", (it) => {
  it.effect(
    "deploying an image freezes the configuration and resolved variables and puts the release in its cluster's desired state",
    () =>
      Effect.gen(function* () {
        const { token: _token, cluster: target } = yield* cluster()
        const { environment } = yield* project()
        const api = yield* imageService(environment.id, "api")
        const variables = yield* Variables
        yield* variables.setService(api.id, {
          SECRET_KEY: "s3cr3t-value",
          GREETING: "hello from ${{ api.SECRET_KEY }}",
        })

        const deployments = yield* Deployments
        const deployment = yield* deployments.create(
          api.id,
          { imageRef: "ghcr.io/acme/api:2.0.0" as never },
          "api",
          null,
        )
        expect(deployment).toMatchObject({
          number: 1,
          status: "deploying",
          trigger: "api",
          imageRef: "ghcr.io/acme/api:2.0.0",
        })
        expect(deployment.snapshot.variableKeys).toEqual(["GREETING", "SECRET_KEY"])

        // the row holds no plaintext: the variables are sealed together, in their catalogued column
        const sql = yield* SqlClient.SqlClient
        const stored = yield* sql<{
          readonly text: string
          readonly variablesCiphertext: string
        }>`SELECT config_snapshot::text AS text, variables_ciphertext FROM deployments WHERE id = ${deployment.id}`
        expect(stored[0]!.text).not.toContain("s3cr3t-value")
        expect(stored[0]!.variablesCiphertext).toMatch(/^enc:v1:/)
        expect(stored[0]!.variablesCiphertext).not.toContain("s3cr3t-value")

        const feed = yield* DesiredStateFeed
        const published = yield* feed.current(target.id)
        expect(environment.clusterId).toBe(target.id)
        const state = serviceOf(published.content, api.id)!
        expect(state).toMatchObject({
          release: { deploymentId: deployment.id, number: 1, image: "ghcr.io/acme/api:2.0.0" },
          previousRelease: null,
          variables: { SECRET_KEY: "s3cr3t-value", GREETING: "hello from s3cr3t-value", PORT: "8080" },
          port: 8080,
          namespace: `env-${environment.id.slice(4)}`,
        })
      }),
  )

  it.effect("a release written before variables had their own column still opens, from its snapshot", () =>
    Effect.gen(function* () {
      const { cluster: target } = yield* cluster()
      const { environment } = yield* project({ regionId: target.regionId })
      expect(environment.clusterId).toBe(target.id)
      const deployments = yield* Deployments
      const template = yield* deployments.create((yield* imageService(environment.id, "template")).id, {}, "api", null)
      // written as the earlier code wrote it: each value sealed as a service variable inside the snapshot
      const crypto = yield* FieldCrypto
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ readonly configSnapshot: Record<string, unknown> }>`
        SELECT config_snapshot FROM deployments WHERE id = ${template.id}`
      const { variableKeys: _keys, ...rest } = row!.configSnapshot
      const legacy = yield* imageService(environment.id, "legacy")
      const written = yield* Fixtures.deployment({
        projectId: legacy.projectId,
        environmentId: legacy.environmentId,
        serviceId: legacy.id,
        number: 1,
        status: "deploying",
        imageRef: "ghcr.io/acme/api:1.0.0",
        configSnapshot: {
          ...rest,
          service: { ...(rest.service as object), name: "legacy" },
          variables: { TOKEN: yield* crypto.encrypt("legacy-secret", Catalog.serviceVariableValue) },
        },
        startedAt: new Date(),
      })
      const id = written.id as string

      expect((yield* deployments.get(id)).snapshot.variableKeys).toEqual(["TOKEN"])
      expect(yield* deployments.releaseVariables(id)).toEqual({ TOKEN: "legacy-secret" })
      const feed = yield* DesiredStateFeed
      yield* feed.touch(target.id)
      const state = serviceOf((yield* feed.current(target.id)).content, legacy.id)!
      expect(state.variables).toMatchObject({ TOKEN: "legacy-secret" })
    }),
  )

  it.effect("two concurrent deploys of one service serialise: one rolls out, the other waits, then follows", () =>
    Effect.gen(function* () {
      yield* cluster()
      const { environment } = yield* project()
      const api = yield* imageService(environment.id, "api")
      const deployments = yield* Deployments
      const both = yield* Effect.all(
        [deployments.create(api.id, {}, "api", null), deployments.create(api.id, {}, "cli", null)],
        { concurrency: 2 },
      )
      const [first, second] = [...both].sort((a, b) => a.number - b.number)
      expect([first!.number, second!.number]).toEqual([1, 2])
      expect([first!.status, second!.status]).toEqual(["deploying", "queued"])

      yield* deployments.activate(first!.id)
      expect((yield* deployments.get(first!.id)).status).toBe("active")
      expect((yield* deployments.get(second!.id)).status).toBe("deploying")

      yield* deployments.activate(second!.id)
      expect((yield* deployments.get(second!.id)).status).toBe("active")
      expect((yield* deployments.get(first!.id)).status).toBe("superseded")
    }),
  )

  it.effect("a deploy waiting behind another is replaced by a newer one rather than rolled out in turn", () =>
    Effect.gen(function* () {
      yield* cluster()
      const { environment } = yield* project()
      const api = yield* imageService(environment.id, "api")
      const deployments = yield* Deployments
      const one = yield* deployments.create(api.id, {}, "api", null)
      const two = yield* deployments.create(api.id, {}, "api", null)
      const three = yield* deployments.create(api.id, {}, "api", null)
      yield* deployments.activate(one.id)
      expect((yield* deployments.get(two.id)).status).toBe("cancelled")
      expect((yield* deployments.get(two.id)).failureReason).toBe("Replaced by deploy #3 before it started.")
      expect((yield* deployments.get(three.id)).status).toBe("deploying")
    }),
  )

  it.effect("every transition the lifecycle does not allow is refused and changes nothing", () =>
    Effect.gen(function* () {
      yield* cluster()
      const { environment } = yield* project()
      const deployments = yield* Deployments
      const snapshot = (yield* deployments.create((yield* imageService(environment.id, "seed")).id, {}, "api", null))
        .snapshot
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ readonly configSnapshot: unknown }>`SELECT config_snapshot FROM deployments LIMIT 1`
      expect(snapshot.variableKeys).toEqual([])
      let refused = 0
      for (const from of Deploys.deploymentStatuses) {
        const service = yield* imageService(environment.id, Fixtures.uniqueName("svc"))
        const made = yield* Fixtures.deployment({
          projectId: service.projectId,
          environmentId: service.environmentId,
          serviceId: service.id,
          number: 1,
          status: from,
          imageRef: "ghcr.io/acme/api:1.0.0",
          configSnapshot: row!.configSnapshot,
          startedAt: new Date(Date.now() - 1000),
        })
        for (const to of Deploys.deploymentStatuses) {
          if (DeploymentLifecycle.canTransition(from, to)) continue
          const error = yield* Effect.flip(deployments.transition(made.id as string, to))
          expect(error._tag, `${from} → ${to}`).toBe("Refused")
          expect((yield* deployments.get(made.id as string)).status).toBe(from)
          refused++
        }
      }
      // every pair of statuses but the moves the lifecycle lists
      const allowed = Object.values(DeploymentLifecycle.transitions).flat().length
      expect(refused).toBe(Deploys.deploymentStatuses.length ** 2 - allowed)
    }),
  )

  it.effect("rollback reuses the earlier release's image and snapshot as they were, and builds nothing", () =>
    Effect.gen(function* () {
      const { cluster: target } = yield* cluster()
      const { environment } = yield* project({ regionId: target.regionId })
      const worker = yield* repoService(environment.id, "worker")
      const variables = yield* Variables
      const deployments = yield* Deployments
      yield* variables.setService(worker.id, { MODE: "v1" })

      const first = yield* deployments.create(worker.id, { commitSha: "a".repeat(40) as never }, "push", null)
      expect(first.status).toBe("building")
      yield* deployments.recordBuild(first.id, {
        _tag: "Succeeded",
        imageRef: "registry.starform.dev/worker:a" as never,
        imageDigest: digest("first") as never,
      })
      yield* deployments.activate(first.id)

      yield* variables.setService(worker.id, { MODE: "v2" })
      const second = yield* deployments.create(worker.id, { commitSha: "b".repeat(40) as never }, "push", null)
      yield* deployments.recordBuild(second.id, {
        _tag: "Succeeded",
        imageRef: "registry.starform.dev/worker:b" as never,
        imageDigest: digest("second") as never,
      })
      yield* deployments.activate(second.id)
      expect((yield* deployments.get(first.id)).status).toBe("superseded")

      const rollback = yield* deployments.rollback(first.id, null)
      // no build: straight to rolling out, with the first release's image
      expect(rollback).toMatchObject({
        number: 3,
        trigger: "rollback",
        status: "deploying",
        rollbackOfDeploymentId: first.id,
        imageRef: "registry.starform.dev/worker:a",
        imageDigest: digest("first"),
        commitSha: "a".repeat(40),
      })
      const sql = yield* SqlClient.SqlClient
      const snapshots = yield* sql<{ readonly id: string; readonly snapshot: string; readonly variables: string }>`
        SELECT id, config_snapshot::text AS snapshot, variables_ciphertext AS variables FROM deployments
        WHERE ${sql.in("id", [first.id, rollback.id])}`
      expect(snapshots[0]!.snapshot).toBe(snapshots[1]!.snapshot)
      // the same sealed variables: a rollback re-resolves nothing
      expect(snapshots[0]!.variables).toBe(snapshots[1]!.variables)

      const feed = yield* DesiredStateFeed
      const state = serviceOf((yield* feed.current(target.id)).content, worker.id)!
      expect(state.variables).toEqual({ MODE: "v1" })
      expect(state.release.image).toBe(`registry.starform.dev/worker@${digest("first")}`)
      expect(state.previousRelease?.deploymentId).toBe(second.id)

      // rolling back to what serves, or to a release that never served, is refused
      expect((yield* Effect.flip(deployments.rollback(second.id, null)))._tag).toBe("Refused")
    }),
  )

  it.effect("a failed rollout keeps the previous release serving, with the reason on the failed one", () =>
    Effect.gen(function* () {
      const { cluster: target } = yield* cluster()
      const { environment } = yield* project({ regionId: target.regionId })
      const api = yield* imageService(environment.id, "api")
      const deployments = yield* Deployments
      const good = yield* deployments.create(api.id, {}, "api", null)
      yield* deployments.activate(good.id)
      const bad = yield* deployments.create(api.id, { imageRef: "ghcr.io/acme/api:broken" as never }, "api", null)
      const feed = yield* DesiredStateFeed
      expect(serviceOf((yield* feed.current(target.id)).content, api.id)?.release.deploymentId).toBe(bad.id)

      yield* deployments.fail(bad.id, "ProgressDeadlineExceeded: container crash-looped")
      expect(yield* deployments.get(bad.id)).toMatchObject({
        status: "failed",
        failureReason: "ProgressDeadlineExceeded: container crash-looped",
      })
      expect((yield* deployments.get(good.id)).status).toBe("active")
      const state = serviceOf((yield* feed.current(target.id)).content, api.id)!
      expect(state.release.deploymentId).toBe(good.id)
      expect(state.previousRelease).toBeNull()

      // cancelling what serves is refused; cancelling a waiting deploy is not
      expect((yield* Effect.flip(deployments.cancel(good.id)))._tag).toBe("Refused")
    }),
  )

  it.effect("history is kept per the project's retention; what is pruned is written to the audit log", () =>
    Effect.gen(function* () {
      yield* cluster()
      const { environment, workspaceId } = yield* project({ deploymentRetention: 2 })
      const api = yield* imageService(environment.id, "api")
      const deployments = yield* Deployments
      for (let i = 0; i < 4; i++) {
        const made = yield* deployments.create(api.id, {}, "api", null)
        yield* deployments.activate(made.id)
      }
      const kept = yield* deployments.list(api.id, 100)
      expect(kept.map((deployment) => [deployment.number, deployment.status])).toEqual([
        [4, "active"],
        [3, "superseded"],
      ])
      const sql = yield* SqlClient.SqlClient
      const audit = yield* sql<{
        readonly action: string
        readonly actorType: string
        readonly metadata: { readonly deployments: ReadonlyArray<{ readonly number: number }> }
      }>`
        SELECT action, actor_type, metadata FROM audit_log WHERE workspace_id = ${workspaceId} AND target_id = ${api.id}
        ORDER BY occurred_at`
      expect(audit.map((entry) => entry.action)).toEqual(["deployment.prune", "deployment.prune"])
      expect(audit.flatMap((entry) => entry.metadata.deployments.map((pruned) => pruned.number))).toEqual([1, 2])
    }),
  )

  it.effect("a deploy whose references cannot resolve is refused, naming the variable and the path", () =>
    Effect.gen(function* () {
      yield* cluster()
      const { environment } = yield* project()
      const db = yield* imageService(environment.id, "db", { type: "worker", port: null })
      const api = yield* imageService(environment.id, "api")
      const variables = yield* Variables
      yield* variables.setService(db.id, { URL: "postgres://db" })
      yield* variables.setService(api.id, { DATABASE_URL: "${{ db.URL }}" })
      yield* variables.deleteService(db.id, "URL")
      const deployments = yield* Deployments
      const error = yield* Effect.flip(deployments.create(api.id, {}, "api", null))
      expect(error).toMatchObject({
        _tag: "Invalid",
        field: "variables.DATABASE_URL",
        rule: "reference",
        message:
          "variables.DATABASE_URL cannot be resolved: api.DATABASE_URL → db.URL refers to db.URL, which is not set",
      })
      expect(yield* deployments.list(api.id, 10)).toEqual([])
    }),
  )
})
