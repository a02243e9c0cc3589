/**
 * `npm run bench:gateway`: an authenticated `GET /v1/workspaces/{id}/projects` (a workspace of 20 projects) at
 * concurrency 64 for 20 seconds through the whole gateway — JWT verified, the session checked live, one token-bucket
 * check in Redis, authorization, the projects service over RPC, its SQL — with Starbase on a database of its own on
 * the machine's PostgreSQL and rate limits in the machine's Redis (`REDIS_URL`, default 127.0.0.1:6379). Then the
 * same load against a bare `node:http` handler running the same SQL query on the same database. The load comes from
 * a worker thread, so it does not share the servers' event loop. Then, to show where the difference goes, the same
 * load against the framework's floor (the endpoint on Effect's `HttpApi`, the query in-process), the floor with the
 * Redis check added, and the floor with the query made through the projects service's RPC client instead.
 *
 * Prints `key=value` lines: `gateway_rps`, `gateway_p50_ms`, `gateway_p99_ms`, `bare_rps`, `bare_p99_ms`,
 * `ratio_rps` (gateway over bare), `floor_rps`, `floor_ratio_rps` (floor over bare), `gateway_of_floor`,
 * `floor_with_limiter_rps`, `floor_with_rpc_rps`, `limiter_p99_overhead_ms` (the p99 of one token-bucket check in Redis, one at a
 * time: what the limiter adds to a request; `limiter_p50_ms` its median), `limiter_p99_at_64_ms` (the same with 64
 * checks in flight from one process), `limiter_in_gateway_p99_ms` (the check timed inside the saturated gateway,
 * event-loop waits included), `gateway_non_200` and `floor_non_200` (answers other than 200; must be 0).
 */
import { randomBytes } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import { NodeHttpServer } from "@effect/platform-node"
import { FieldCrypto } from "@starform/crypto"
import { Ids, ProjectsApi } from "@starform/domain"
import { ControlPlane } from "@starform/starbase"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Context, Effect, Layer, Metric, Option, Schema } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import * as SqlClient from "effect/sql/SqlClient"
import { ProjectsClient } from "../../services/gateway/src/projects/ProjectsClient.ts"
import { RateLimiter } from "../../services/gateway/src/ratelimit/RateLimiter.ts"
import * as RedisLimiter from "../../services/gateway/src/ratelimit/RedisLimiter.ts"
import * as Views from "../../services/projects/src/Views.ts"

const concurrency = 64
const seconds = Number(process.env.BENCH_SECONDS ?? 20)
const warmupSeconds = 5
const projects = 20

interface LoadRequest {
  readonly url: string
  readonly token: string | undefined
  readonly seconds: number
}

interface LoadResult {
  readonly requests: number
  readonly seconds: number
  readonly p50: number
  readonly p99: number
  readonly non200: number
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

/** The worker: keeps `concurrency` requests in flight for `seconds` and reports throughput and latency. */
const runLoad = async ({ url, token, seconds: duration }: LoadRequest): Promise<LoadResult> => {
  const headers = token === undefined ? {} : { authorization: `Bearer ${token}` }
  const latencies: Array<number> = []
  let non200 = 0
  const started = performance.now()
  const until = started + duration * 1000
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const at = performance.now()
        const response = await fetch(url, { headers })
        await response.arrayBuffer()
        latencies.push(performance.now() - at)
        if (response.status !== 200) non200++
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  const sorted = Float64Array.from(latencies).sort()
  return {
    requests: latencies.length,
    seconds: elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    non200,
  }
}

if (!isMainThread) {
  runLoad(workerData as LoadRequest).then((result) => parentPort!.postMessage(result))
}

/** Runs one load in a worker thread. */
const load = (request: LoadRequest) =>
  Effect.promise(
    () =>
      new Promise<LoadResult>((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: request })
        worker.once("message", (result: LoadResult) => {
          resolve(result)
          void worker.terminate()
        })
        worker.once("error", reject)
      }),
  )

/** The bare baseline: `node:http` and the projects service's own query, nothing else. */
const bareServer = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const context = yield* Effect.context<never>()
  return yield* Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<{ url: (workspaceId: string) => string; close: () => void }>((resolve) => {
          const server = createServer((request, response) => {
            const workspaceId = request.url!.split("/")[3]!
            Effect.runPromiseWith(context)(
              sql`SELECT * FROM projects WHERE workspace_id = ${workspaceId} ORDER BY name`,
            ).then(
              (rows) => {
                response.writeHead(200, { "content-type": "application/json" })
                response.end(JSON.stringify(rows))
              },
              () => {
                response.writeHead(500)
                response.end()
              },
            )
          })
          server.keepAliveTimeout = 60_000
          server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as AddressInfo
            resolve({
              url: (workspaceId) => `http://127.0.0.1:${port}/v1/workspaces/${workspaceId}/projects`,
              close: () => server.close(),
            })
          })
        }),
    ),
    (server) => Effect.sync(server.close),
  )
})

/**
 * The framework's floor: the same endpoint declared with Effect's `HttpApi` (path decoded, the 20 projects encoded by
 * their schema) on `NodeHttpServer`, running the same query in-process, with no authentication, rate limit or RPC.
 * What no gateway built on this stack can beat; printed so the ratio can be read against it.
 */
const FloorApi = HttpApi.make("floor").add(
  HttpApiGroup.make("projects").add(
    HttpApiEndpoint.get("listProjects", "/v1/workspaces/:workspaceId/projects", {
      params: { workspaceId: Ids.WorkspaceId },
      success: Schema.Array(ProjectsApi.ProjectView),
    }),
  ),
)

/**
 * What the floor adds on the way to the gateway, one part at a time: the token-bucket check in Redis before the query,
 * or the query made through the projects service's RPC client instead of in-process.
 */
interface FloorParts {
  readonly redisUrl?: string
  readonly projectsUrl?: string
}

const floorServer = (parts: FloorParts = {}) =>
  Effect.gen(function* () {
    const handlers = HttpApiBuilder.group(FloorApi, "projects", (group) =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const limiter = Option.getOrUndefined(yield* Effect.serviceOption(RateLimiter))
        const projects = Option.getOrUndefined(yield* Effect.serviceOption(ProjectsClient))
        const budget = { name: "bench-floor", capacity: 100_000_000, refillPerMinute: 100_000_000 }
        return group.handle("listProjects", ({ params }) =>
          Effect.gen(function* () {
            if (limiter !== undefined) yield* limiter.take(budget, "floor")
            if (projects !== undefined) {
              return yield* projects.ListProjects({ workspaceId: params.workspaceId }).pipe(Effect.orDie)
            }
            const rows = yield* Effect.orDie(
              sql<Views.ProjectRow>`SELECT * FROM projects WHERE workspace_id = ${params.workspaceId} ORDER BY name`,
            )
            return rows.map(Views.project)
          }),
        )
      }),
    ).pipe(
      Layer.provide(parts.redisUrl === undefined ? Layer.empty : RedisLimiter.layer(parts.redisUrl)),
      Layer.provide(parts.projectsUrl === undefined ? Layer.empty : ProjectsClient.layer(parts.projectsUrl)),
    )
    const built = yield* Layer.build(
      HttpRouter.serve(HttpApiBuilder.layer(FloorApi).pipe(Layer.provide(handlers)), {
        disableListenLog: true,
        disableLogger: true,
      }).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 }))),
    )
    const base = HttpServer.formatAddress(Context.get(built, HttpServer.HttpServer).address)
    return { url: (workspaceId: string) => `${base}/v1/workspaces/${workspaceId}/projects` }
  })

/**
 * The limiter on its own: `inFlight` checks kept in flight against Redis for 3 seconds, each timed from call to
 * answer. One at a time, that is what the limiter adds to a request; with 64 in flight it also counts the checks
 * queueing behind one another in this process. Inside the saturated gateway the same check also waits for the event
 * loop; that figure is printed separately.
 */
const limiterAlone = (redisUrl: string, inFlight: number) =>
  Effect.gen(function* () {
    const limiter = yield* RateLimiter
    const budget = { name: "bench", capacity: 100_000_000, refillPerMinute: 100_000_000 }
    const durations: Array<number> = []
    const until = performance.now() + 3000
    yield* Effect.forEach(
      Array.from({ length: inFlight }, (_, i) => i),
      (i) =>
        Effect.gen(function* () {
          while (performance.now() < until) {
            const at = performance.now()
            yield* limiter.take(budget, `bench-${i}`)
            durations.push(performance.now() - at)
          }
        }),
      { concurrency: "unbounded", discard: true },
    )
    const sorted = Float64Array.from(durations).sort()
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), checks: durations.length }
  }).pipe(Effect.provide(RedisLimiter.layer(redisUrl)))

const print = (key: string, value: number) => console.log(`${key}=${Math.round(value * 100) / 100}`)

const program = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // The load is one person: their request budget must not be what is measured.
  yield* sql`UPDATE rate_limit_budgets SET capacity = 100000000, refill_per_minute = 100000000 WHERE name = 'api'`
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"
  const running = yield* ControlPlane.start({
    host: "127.0.0.1",
    port: 0,
    identityPort: 0,
    redisUrl,
    logRequests: false,
  }).pipe(Effect.provide(FieldCrypto.layerFromKeys(randomBytes(32))))

  const signup = yield* Effect.promise(() =>
    fetch(`${running.gatewayUrl}/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: "benchmark passphrase" }),
    }).then((response) => response.json() as Promise<{ tokens: { accessToken: string } }>),
  )
  const token = signup.tokens.accessToken
  const workspace = yield* Effect.promise(() =>
    fetch(`${running.gatewayUrl}/v1/workspaces`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: "Benchmark" }),
    }).then((response) => response.json() as Promise<{ id: string }>),
  )
  for (let i = 0; i < projects; i++) yield* Fixtures.project({ workspaceId: workspace.id })

  const gatewayUrl = `${running.gatewayUrl}/v1/workspaces/${workspace.id}/projects`
  const check = yield* Effect.promise(() =>
    fetch(gatewayUrl, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as ReadonlyArray<unknown>,
    })),
  )
  if (check.status !== 200 || check.body.length !== projects) {
    return yield* Effect.die(new Error(`the gateway answered ${check.status} with ${check.body.length} projects`))
  }

  const bare = yield* bareServer
  yield* load({ url: gatewayUrl, token, seconds: warmupSeconds })
  const before = yield* Metric.value(RedisLimiter.checkMs)
  const gateway = yield* load({ url: gatewayUrl, token, seconds })
  const limiter = yield* Metric.value(RedisLimiter.checkMs)
  yield* load({ url: bare.url(workspace.id), token: undefined, seconds: warmupSeconds })
  const baseline = yield* load({ url: bare.url(workspace.id), token: undefined, seconds })
  /** Serves `parts` on the floor and loads it as the others, warm-up first. */
  const loadFloor = (parts?: FloorParts) =>
    Effect.gen(function* () {
      const floor = yield* floorServer(parts)
      yield* load({ url: floor.url(workspace.id), token: undefined, seconds: warmupSeconds })
      return yield* load({ url: floor.url(workspace.id), token: undefined, seconds })
    })
  const framework = yield* loadFloor()
  const withLimiter = yield* loadFloor({ redisUrl })
  const withRpc = yield* loadFloor({ projectsUrl: running.projectsUrl })

  const inGateway = limiter.quantiles.find(([q]) => q === 0.99)?.[1] ?? Number.NaN
  const alone = yield* limiterAlone(redisUrl, 1)
  const crowded = yield* limiterAlone(redisUrl, 64)
  print("gateway_rps", gateway.requests / gateway.seconds)
  print("gateway_p50_ms", gateway.p50)
  print("gateway_p99_ms", gateway.p99)
  print("bare_rps", baseline.requests / baseline.seconds)
  print("bare_p99_ms", baseline.p99)
  print("ratio_rps", gateway.requests / gateway.seconds / (baseline.requests / baseline.seconds))
  print("floor_rps", framework.requests / framework.seconds)
  print("floor_ratio_rps", framework.requests / framework.seconds / (baseline.requests / baseline.seconds))
  print("gateway_of_floor", gateway.requests / gateway.seconds / (framework.requests / framework.seconds))
  print("floor_with_limiter_rps", withLimiter.requests / withLimiter.seconds)
  print("floor_with_rpc_rps", withRpc.requests / withRpc.seconds)
  print("limiter_p99_overhead_ms", alone.p99)
  print("limiter_p50_ms", alone.p50)
  print("limiter_p99_at_64_ms", crowded.p99)
  print("limiter_in_gateway_p99_ms", inGateway)
  print("limiter_checks_in_gateway", limiter.count - before.count)
  print("gateway_non_200", gateway.non200)
  print("floor_non_200", framework.non200 + withLimiter.non200 + withRpc.non200)
})

if (isMainThread) {
  await Effect.runPromise(program.pipe(Effect.provide(TestDatabase.layer), Effect.scoped))
}
