/**
 * `collateral_5xx` of `npm run bench:gateway`: how many innocent requests fail while another principal triggers
 * handler defects (aim 0). A culprit is signed up whose writes PostgreSQL refuses (a trigger on the tables their
 * verification mail and their project's rename write), so each of their requests dies inside a handler of the
 * identity or the projects service, the kind of failure no handler plans for. Meanwhile the bench's person reads
 * their projects and their account at concurrency 64 through the same gateway and its RPC clients; every answer of
 * theirs that is not 2xx counts. `collateral_defects` counts the culprit's 500s, so a run where no defect happened cannot pass for 0.
 */
import { Fixtures } from "@starform/testkit"
import { Effect, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

export interface Target {
  /** The gateway's base URL. */
  readonly gatewayUrl: string
  /** Authenticated reads of the bench's person, and their bearer token. */
  readonly innocentUrls: ReadonlyArray<string>
  readonly token: string
}

const json = (url: string, method: string, token: string | undefined, payload?: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(url, {
      method,
      headers: {
        ...(payload === undefined ? {} : { "content-type": "application/json" }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    })
    const text = await response.text()
    let body: unknown
    try {
      body = text === "" ? undefined : JSON.parse(text)
    } catch {
      body = text
    }
    return { status: response.status, body }
  })

const SignedUp = Schema.Struct({
  user: Schema.Struct({ id: Schema.String }),
  tokens: Schema.Struct({ accessToken: Schema.String }),
})
const Created = Schema.Struct({ id: Schema.String })

/** Every write of `table` whose `column` is `id` fails inside PostgreSQL. */
const dieOn = (table: string, column: string, id: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (!/^[A-Za-z0-9_-]+$/.test(id)) return yield* Effect.die(new Error(`not an id: ${id}`))
    yield* sql.unsafe(`CREATE OR REPLACE FUNCTION bench_collateral_defect() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected defect for %', TG_TABLE_NAME; END $$`)
    yield* sql.unsafe(`CREATE TRIGGER bench_collateral_${table} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW
      WHEN (NEW.${column} = '${id}') EXECUTE FUNCTION bench_collateral_defect()`)
  }).pipe(Effect.orDie)

/**
 * For `seconds`, 64 innocent requests kept in flight (the `innocentUrls` in turn) while 4 of the culprit's dying
 * requests are kept in flight beside them.
 */
export const measure = (target: Target, seconds = 5) =>
  Effect.gen(function* () {
    const signup = yield* json(`${target.gatewayUrl}/v1/auth/signup`, "POST", undefined, {
      email: `culprit-${Date.now()}@example.com`,
      password: "benchmark passphrase",
    })
    const { user, tokens } = Schema.decodeUnknownSync(SignedUp)(signup.body)
    const culprit = tokens.accessToken
    const workspace = yield* json(`${target.gatewayUrl}/v1/workspaces`, "POST", culprit, { name: "Culprit" })
    const project = yield* Fixtures.project({ workspaceId: Schema.decodeUnknownSync(Created)(workspace.body).id })
    yield* dieOn("user_tokens", "user_id", user.id)
    yield* dieOn("projects", "id", project.id)
    const culpritRequests = [
      () => json(`${target.gatewayUrl}/v1/me/email-verification`, "POST", culprit),
      () => json(`${target.gatewayUrl}/v1/projects/${project.id}`, "PATCH", culprit, { name: "renamed" }),
    ]

    let innocent = 0
    let collateral = 0
    let defects = 0
    const until = performance.now() + seconds * 1000
    const innocentWorker = (worker: number) =>
      Effect.gen(function* () {
        for (let i = worker; performance.now() < until; i++) {
          const reply = yield* json(target.innocentUrls[i % target.innocentUrls.length]!, "GET", target.token)
          innocent++
          if (reply.status < 200 || reply.status > 299) collateral++
        }
      })
    const culpritWorker = (worker: number) =>
      Effect.gen(function* () {
        for (let i = worker; performance.now() < until; i++) {
          const reply = yield* culpritRequests[i % culpritRequests.length]!()
          if (reply.status === 500) defects++
        }
      })
    yield* Effect.all(
      [
        ...Array.from({ length: 64 }, (_, i) => innocentWorker(i)),
        ...Array.from({ length: 4 }, (_, i) => culpritWorker(i)),
      ],
      { concurrency: "unbounded", discard: true },
    )
    return { innocent, collateral, defects }
  })
