import { expect, layer } from "@effect/vitest"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Harness from "./identityHarness.ts"

/**
 * One tenant's failure never fails another's request. A handler of the identity service and one of the projects
 * service are made to die for one person only (a PostgreSQL trigger refuses their writes, a failure no handler
 * plans for), and while that person's requests answer 500, 50 requests of other people and tokens in flight through
 * the same gateway, over the same RPC clients, must all answer 2xx.
 */

/** Makes every write of `table` whose `column` is `id` fail inside PostgreSQL: a defect of the handler doing it. */
const dieOn = (table: "user_tokens" | "projects", column: "user_id" | "id", id: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (!/^[A-Za-z0-9_-]+$/.test(id)) return yield* Effect.die(new Error(`not an id: ${id}`))
    yield* sql.unsafe(`CREATE OR REPLACE FUNCTION collateral_defect() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected defect for %', TG_TABLE_NAME; END $$`)
    yield* sql.unsafe(`CREATE TRIGGER collateral_${table} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW
      WHEN (NEW.${column} = '${id}') EXECUTE FUNCTION collateral_defect()`)
  }).pipe(Effect.orDie)

layer(TestDatabase.layer, { excludeTestServices: true })("a defect in one request", (it) => {
  it.effect("never fails another principal's requests in flight on the same gateway", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Harness.start({ budgets: { api: { capacity: 100_000, refillPerMinute: 100_000 } } })
      const api = Harness.client(baseUrl)

      // the culprit: their verification mail and their project's rename die in the services' handlers
      const culprit = yield* Harness.signupUnverified(api, "Mallory")
      const culpritWorkspace = yield* Harness.workspace(api, culprit.token, "Mallory's")
      const culpritProject = yield* Fixtures.project({ workspaceId: culpritWorkspace })
      yield* dieOn("user_tokens", "user_id", culprit.userId)
      yield* dieOn("projects", "id", culpritProject.id)

      // the innocent: two people of another workspace and its API token
      const ada = yield* Harness.signup(api, "Ada")
      const grace = yield* Harness.signup(api, "Grace")
      const workspaceId = yield* Harness.workspace(api, ada.token, "Engines")
      const project = yield* Fixtures.project({ workspaceId })
      const environment = yield* Fixtures.environment({ projectId: project.id })
      const service = yield* Fixtures.service({ projectId: project.id, environmentId: environment.id })
      const graceWorkspace = yield* Harness.workspace(api, grace.token, "Compilers")
      const token = (yield* api.post(
        `/v1/workspaces/${workspaceId}/tokens`,
        { name: "ci", scopes: ["deploy"] },
        ada.token,
      )).body.secret as string
      const innocent = [
        () => api.get("/v1/me", ada.token),
        () => api.get(`/v1/projects/${project.id}`, ada.token),
        () => api.get(`/v1/services/${service.id}`, token),
        () => api.get(`/v1/workspaces/${workspaceId}/projects`, token),
        () => api.get(`/v1/workspaces/${graceWorkspace}`, grace.token),
        () => api.get("/v1/me/sessions", grace.token),
      ]
      const culpritRequests = [
        () => api.post("/v1/me/email-verification", undefined, culprit.token),
        () => api.patch(`/v1/projects/${culpritProject.id}`, { name: "renamed" }, culprit.token),
      ]

      let culpritFailures = 0
      const failures: Array<string> = []
      for (let round = 0; round < 4; round++) {
        const replies = yield* Effect.all(
          [
            ...Array.from({ length: 50 }, (_, i) =>
              Effect.map(innocent[i % innocent.length]!(), (r) => ["innocent", r] as const),
            ),
            // the culprit's requests land in the middle of the innocent ones, several times each round
            ...Array.from({ length: 6 }, (_, i) =>
              Effect.map(culpritRequests[i % culpritRequests.length]!(), (r) => ["culprit", r] as const),
            ),
          ],
          { concurrency: "unbounded" },
        )
        for (const [who, reply] of replies) {
          if (who === "culprit") culpritFailures += reply.status === 500 ? 1 : 0
          else if (reply.status < 200 || reply.status > 299)
            failures.push(`${reply.status} ${JSON.stringify(reply.body)}`)
        }
      }
      // the defects did happen (each culprit request answered 500)…
      expect(culpritFailures).toBe(24)
      // …and no innocent request paid for them
      expect(failures).toEqual([])
    }).pipe(Effect.scoped),
  )
})
