import { randomBytes } from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { FieldCrypto } from "@starform/crypto"
import { Deployments, IdentityClient, Projects, Server, Variables } from "@starform/projects"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { cluster, imageService, project, repoService, TestLayer } from "./support.ts"

const actor = { type: "user", id: "usr_000000000000000000000001", userId: null, ip: null, userAgent: null } as const
const commit = "0123456789abcdef0123456789abcdef01234567" as never

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("what projects asks identity", (it) => {
  it.effect("deployments waiting for their build carry their workspace's plan, as identity has it", () =>
    Effect.gen(function* () {
      yield* cluster()
      const projects = yield* Projects
      const deployments = yield* Deployments
      const made: Array<{ readonly id: string; readonly plan: string }> = []
      for (const plan of ["team", "hobby"] as const) {
        const workspace = yield* Fixtures.workspace({ plan })
        const created = yield* projects.create(workspace.id, { name: Fixtures.uniqueName("app") as never })
        const [production] = yield* projects.listEnvironments(created.id)
        const worker = yield* repoService(production!.id, "worker")
        const deployment = yield* deployments.create(worker.id, { commitSha: commit }, "api", null)
        expect(deployment.status).toBe("building")
        made.push({ id: deployment.id, plan })
      }
      const building = yield* deployments.listBuilding(100)
      for (const { id, plan } of made) {
        expect(building.find((entry) => entry.deployment.id === id)?.plan).toBe(plan)
      }
    }),
  )
})

/** The projects service with identity unreachable (nothing listens at its address). */
const IdentityDown = Server.ServicesLive.pipe(
  Layer.provideMerge(IdentityClient.layer("http://127.0.0.1:1/rpc")),
  Layer.provideMerge(FieldCrypto.layerFromKeys(randomBytes(32))),
  Layer.provideMerge(TestDatabase.layer),
)

layer(IdentityDown, { timeout: 60_000, excludeTestServices: true })("while identity is down", (it) => {
  it.effect("a reveal the audit log cannot record is refused, and the value is not shown", () =>
    Effect.gen(function* () {
      const { environment, workspaceId } = yield* project()
      const api = yield* imageService(environment.id, "api")
      const variables = yield* Variables
      yield* variables.setService(api.id, { STRIPE_KEY: "sk_live_123" })
      const refused = yield* Effect.flip(variables.revealService(api.id, "STRIPE_KEY", actor))
      expect(refused._tag).toBe("AuditNotRecorded")
      expect(refused.message).not.toContain("sk_live_123")
      const sql = yield* SqlClient.SqlClient
      expect(yield* sql`SELECT 1 FROM audit_log WHERE workspace_id = ${workspaceId}`).toEqual([])
    }),
  )

  it.effect("a release still becomes active; its history is kept until it can be pruned on the record", () =>
    Effect.gen(function* () {
      yield* cluster()
      const { environment } = yield* project({ deploymentRetention: 1 })
      const api = yield* imageService(environment.id, "api")
      const deployments = yield* Deployments
      for (let i = 0; i < 3; i++) {
        const made = yield* deployments.create(api.id, {}, "api", null)
        yield* deployments.activate(made.id)
      }
      const kept = yield* deployments.list(api.id, 100)
      expect(kept.map((deployment) => [deployment.number, deployment.status])).toEqual([
        [3, "active"],
        [2, "superseded"],
        [1, "superseded"],
      ])
    }),
  )
})
