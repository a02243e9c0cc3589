/**
 * `npm run bench:gateway`: an authenticated `GET /v1/workspaces/{id}/projects` (a workspace of 20 projects) at
 * concurrency 64 for 20 seconds through the whole gateway — JWT verified, the session checked live, one token-bucket
 * check in Redis, authorization, the projects service over RPC, its SQL — with Starbase on a database of its own on
 * the machine's PostgreSQL and rate limits in the machine's Redis (`REDIS_URL`, default 127.0.0.1:6379), and the same
 * load against a bare `node:http` handler running the same SQL query on the same database. To show where the
 * difference goes, the same load also meets the framework's floor (the endpoint on Effect's `HttpApi`, the query
 * in-process), the floor with the Redis check added, the floor with the query made through the projects service's RPC
 * client (the service in this process, as `npm start` runs it), and the same with the service on a thread of its own
 * (as production runs it in a process of its own). The load comes from a worker thread, so it does not share the
 * servers' event loop. Each server is warmed for 5 seconds, then the servers take turns in 5 rounds of 4 seconds, so
 * that the machine's speed drifting during the run weighs on all of them alike.
 *
 * Prints `key=value` lines: `gateway_rps`, `gateway_p50_ms`, `gateway_p99_ms`, `bare_rps`, `bare_p99_ms`,
 * `ratio_rps` (gateway over bare), `floor_rps`, `floor_ratio_rps` (floor over bare), `gateway_of_floor`,
 * `floor_with_limiter_rps`, `floor_with_rpc_rps`, `floor_with_rpc_apart_rps` and its `_ratio_rps` (over bare),
 * `limiter_p99_overhead_ms` (the p99 of one token-bucket check in Redis, one at a time: what the limiter adds to a
 * request; `limiter_p50_ms` its median), `limiter_p99_at_64_ms` (the same with 64 checks in flight from one process),
 * `limiter_in_server_p99_ms` (the check timed inside the saturated gateway and floor-with-limiter, event-loop waits
 * included; `limiter_checks_timed` how many), `gateway_non_200` and `floor_non_200` (answers other than 200; must be 0).
 * `collateral_5xx`: innocent requests failed while another principal triggers handler defects (aim 0; see
 * `gateway/collateral.ts`), with `collateral_innocent` and `collateral_defects` (how many were sent, how many died).
 *
 * And what each request costs in CPU, which does not depend on how many cores the machine has or what else shares
 * them: `gateway_cpu_ms`, `bare_cpu_ms`, `floor_cpu_ms`, `floor_with_limiter_cpu_ms`, `floor_with_rpc_cpu_ms` (this
 * process's CPU per request less the load thread's: event loops, garbage collector threads, the projects service),
 * `gateway_store_cpu_ms` and `bare_store_cpu_ms` (PostgreSQL's and Redis's processes, read from /proc),
 * `load_cpu_ms` (the load thread's own), and `cpu_ratio`: bare over gateway, servers and stores together, the
 * throughput ratio a machine would show whose load came from elsewhere and whose cores were all busy.
 */
import { randomBytes } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import { NodeHttpServer } from "@effect/platform-node"
import { FieldCrypto } from "@starform/crypto"
import { Database, Sql } from "@starform/db"
import { Ids, Projects, ProjectsApi } from "@starform/domain"
import { Server as ProjectsServer } from "@starform/projects"
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
import * as Collateral from "./gateway/collateral.ts"

const concurrency = 64
const seconds = Number(process.env.BENCH_SECONDS ?? 20)
const warmupSeconds = 5
/** The timed `seconds` of each server are taken in this many slices, the servers taking turns. */
const rounds = 5
const projects = 20

interface LoadRequest {
  readonly url: string
  readonly token: string | undefined
  readonly seconds: number
}

/**
 * One load's outcome: every request's latency in milliseconds, how long it ran, the answers other than 200, and the
 * CPU time it took: the load thread's own, this process's less the load thread's (the servers: their event loops,
 * the garbage collector's threads, the projects service's thread), and PostgreSQL's and Redis's processes'.
 */
interface LoadResult {
  readonly latencies: Float64Array
  readonly seconds: number
  readonly non200: number
  readonly loadCpuMs: number
  readonly serverCpuMs: number
  readonly storeCpuMs: number
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

/** The worker: keeps `concurrency` requests in flight for `seconds` and reports throughput and latency. */
const runLoad = async ({ url, token, seconds: duration }: LoadRequest) => {
  const headers = token === undefined ? {} : { authorization: `Bearer ${token}` }
  const latencies: Array<number> = []
  let non200 = 0
  // The main thread reads the process's and the stores' CPU when told the load starts, and again at its result.
  parentPort!.postMessage("started")
  const cpuBefore = process.threadCpuUsage()
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
  const cpu = process.threadCpuUsage(cpuBefore)
  return {
    latencies: Float64Array.from(latencies),
    seconds: (performance.now() - started) / 1000,
    non200,
    loadCpuMs: (cpu.user + cpu.system) / 1000,
  }
}

/** What a worker thread is started for: a load, or the projects service on a thread (and event loop) of its own. */
interface ProjectsRequest {
  readonly role: "projects"
  readonly databaseUrl: string
  readonly identityUrl: string
}

/** The projects service alone on this thread, against `databaseUrl`; posts the port it listens on. */
const serveProjects = ({ databaseUrl, identityUrl }: ProjectsRequest) =>
  Effect.gen(function* () {
    const built = yield* Layer.build(
      ProjectsServer.layer({ host: "127.0.0.1", port: 0, identityUrl }).pipe(
        Layer.provide(FieldCrypto.layerFromKeys(randomBytes(32))),
        Layer.provide(Database.layer(databaseUrl)),
      ),
    )
    parentPort!.postMessage(HttpServer.formatAddress(Context.get(built, HttpServer.HttpServer).address))
    return yield* Effect.never
  }).pipe(Effect.scoped)

if (!isMainThread) {
  const request = workerData as LoadRequest | ProjectsRequest
  if ("role" in request) void Effect.runPromise(serveProjects(request))
  else runLoad(request).then((result) => parentPort!.postMessage(result, [result.latencies.buffer as ArrayBuffer]))
}

/** Starts the projects service on a worker thread, stopped with the scope; its base URL. */
const projectsOnThread = (databaseUrl: string, identityUrl: string) =>
  Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<{ readonly url: string; readonly worker: Worker }>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), {
            workerData: { role: "projects", databaseUrl, identityUrl } satisfies ProjectsRequest,
          })
          worker.once("message", (url: string) => resolve({ url, worker }))
          worker.once("error", reject)
        }),
    ),
    ({ worker }) => Effect.promise(() => worker.terminate()),
  )

/** Milliseconds of CPU used so far by this machine's PostgreSQL and Redis processes (0 where /proc cannot tell). */
const storesCpuMs = () => {
  const tick = 10 // ms per clock tick (USER_HZ is 100 on Linux)
  let total = 0
  let pids: Array<string>
  try {
    pids = readdirSync("/proc").filter((name) => /^[0-9]+$/.test(name))
  } catch {
    return 0
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
      if (name !== "postgres" && name !== "redis-server") continue
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      total += (Number(fields[11]) + Number(fields[12])) * tick
    } catch {
      // the process ended between the listing and the read
    }
  }
  return total
}

/** Runs one load in a worker thread, timing the CPU the servers and the stores use while it runs. */
const load = (request: LoadRequest) =>
  Effect.promise(
    () =>
      new Promise<LoadResult>((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: request })
        let process0 = process.cpuUsage()
        let stores0 = 0
        worker.on("message", (message: "started" | Omit<LoadResult, "serverCpuMs" | "storeCpuMs">) => {
          if (message === "started") {
            process0 = process.cpuUsage()
            stores0 = storesCpuMs()
            return
          }
          const used = process.cpuUsage(process0)
          resolve({
            ...message,
            serverCpuMs: (used.user + used.system) / 1000 - message.loadCpuMs,
            storeCpuMs: storesCpuMs() - stores0,
          })
          void worker.terminate()
        })
        worker.once("error", reject)
      }),
  )

/** Throughput and latency of the slices one server was loaded in. */
const summarise = (slices: ReadonlyArray<LoadResult>) => {
  const all = new Float64Array(slices.reduce((n, slice) => n + slice.latencies.length, 0))
  let at = 0
  for (const slice of slices) {
    all.set(slice.latencies, at)
    at += slice.latencies.length
  }
  all.sort()
  const perRequest = (key: "loadCpuMs" | "serverCpuMs" | "storeCpuMs") =>
    slices.reduce((total, slice) => total + slice[key], 0) / all.length
  return {
    rps: all.length / slices.reduce((total, slice) => total + slice.seconds, 0),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    non200: slices.reduce((n, slice) => n + slice.non200, 0),
    /** CPU milliseconds per request: the servers' (this process less the load), the stores', the load's. */
    serverCpuMs: perRequest("serverCpuMs"),
    storeCpuMs: perRequest("storeCpuMs"),
    loadCpuMs: perRequest("loadCpuMs"),
  }
}

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
              sql`SELECT * FROM projects WHERE workspace_id = ${params.workspaceId} ORDER BY name`,
            ).pipe(Effect.flatMap(Sql.decodeRows(Projects.Project)))
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

  // Every server is up before any is timed, then each is warmed, then they take turns: `rounds` slices each, one
  // server after another, so that the machine getting faster or slower during the run (by up to a quarter here)
  // weighs on all of them alike instead of on whichever ran last.
  const bare = yield* bareServer
  const floor = yield* floorServer()
  const floorLimited = yield* floorServer({ redisUrl })
  const floorRpc = yield* floorServer({ projectsUrl: running.projectsUrl })
  // The projects service on a thread of its own, as production runs it in a process of its own.
  const [current] = yield* sql<{ readonly database: string }>`SELECT current_database() AS database`
  const databaseUrl = new URL(TestDatabase.serverUrl)
  databaseUrl.pathname = `/${current!.database}`
  const floorRpcApart = yield* floorServer({
    projectsUrl: (yield* projectsOnThread(databaseUrl.toString(), running.identityUrl)).url,
  })
  const targets = {
    gateway: { url: gatewayUrl, token },
    bare: { url: bare.url(workspace.id), token: undefined },
    floor: { url: floor.url(workspace.id), token: undefined },
    floorLimited: { url: floorLimited.url(workspace.id), token: undefined },
    floorRpc: { url: floorRpc.url(workspace.id), token: undefined },
    floorRpcApart: { url: floorRpcApart.url(workspace.id), token: undefined },
  }
  type Target = keyof typeof targets
  const names = Object.keys(targets) as Array<Target>
  for (const name of names) yield* load({ ...targets[name], seconds: warmupSeconds })
  const slices = Object.fromEntries(names.map((name) => [name, [] as Array<LoadResult>])) as Record<
    Target,
    Array<LoadResult>
  >
  const before = yield* Metric.value(RedisLimiter.checkMs)
  for (let round = 0; round < rounds; round++) {
    for (const name of names) slices[name].push(yield* load({ ...targets[name], seconds: seconds / rounds }))
  }
  const limiter = yield* Metric.value(RedisLimiter.checkMs)
  const gateway = summarise(slices.gateway)
  const baseline = summarise(slices.bare)
  const framework = summarise(slices.floor)
  const withLimiter = summarise(slices.floorLimited)
  const withRpc = summarise(slices.floorRpc)
  const withRpcApart = summarise(slices.floorRpcApart)

  const inServers = limiter.quantiles.find(([q]) => q === 0.99)?.[1] ?? Number.NaN
  const alone = yield* limiterAlone(redisUrl, 1)
  const crowded = yield* limiterAlone(redisUrl, 64)
  print("gateway_rps", gateway.rps)
  print("gateway_p50_ms", gateway.p50)
  print("gateway_p99_ms", gateway.p99)
  print("bare_rps", baseline.rps)
  print("bare_p99_ms", baseline.p99)
  print("ratio_rps", gateway.rps / baseline.rps)
  print("floor_rps", framework.rps)
  print("floor_ratio_rps", framework.rps / baseline.rps)
  print("gateway_of_floor", gateway.rps / framework.rps)
  print("floor_with_limiter_rps", withLimiter.rps)
  print("floor_with_rpc_rps", withRpc.rps)
  print("floor_with_rpc_apart_rps", withRpcApart.rps)
  print("floor_with_rpc_apart_ratio_rps", withRpcApart.rps / baseline.rps)
  print("gateway_cpu_ms", gateway.serverCpuMs)
  print("gateway_store_cpu_ms", gateway.storeCpuMs)
  print("bare_cpu_ms", baseline.serverCpuMs)
  print("bare_store_cpu_ms", baseline.storeCpuMs)
  print("floor_cpu_ms", framework.serverCpuMs)
  print("floor_with_limiter_cpu_ms", withLimiter.serverCpuMs)
  print("floor_with_rpc_cpu_ms", withRpc.serverCpuMs)
  print("load_cpu_ms", (gateway.loadCpuMs + baseline.loadCpuMs) / 2)
  print("cpu_ratio", (baseline.serverCpuMs + baseline.storeCpuMs) / (gateway.serverCpuMs + gateway.storeCpuMs))
  print("limiter_p99_overhead_ms", alone.p99)
  print("limiter_p50_ms", alone.p50)
  print("limiter_p99_at_64_ms", crowded.p99)
  print("limiter_in_server_p99_ms", inServers)
  print("limiter_checks_timed", limiter.count - before.count)
  print("gateway_non_200", gateway.non200)
  print("floor_non_200", framework.non200 + withLimiter.non200 + withRpc.non200 + withRpcApart.non200)
  const collateral = yield* Collateral.measure({
    gatewayUrl: running.gatewayUrl,
    innocentUrls: [gatewayUrl, `${running.gatewayUrl}/v1/me`],
    token,
  })
  print("collateral_5xx", collateral.collateral)
  print("collateral_innocent", collateral.innocent)
  print("collateral_defects", collateral.defects)
})

if (isMainThread) {
  await Effect.runPromise(program.pipe(Effect.provide(TestDatabase.layer), Effect.scoped))
}
