/**
 * `node --cpu-prof test/bench/gateway-profile.ts` (with the workspace's Node 24). Profiling helper (not a benchmark): Starbase in this process, `PROFILE_SECONDS` of the bench's authenticated
 * `GET /v1/workspaces/{id}/projects` at concurrency 64 from a worker thread; prints rps and this process's CPU per
 * request less the load thread's. Run under `node --cpu-prof` to see where the gateway's time goes.
 */
import { randomBytes } from "node:crypto"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import { FieldCrypto } from "@starform/crypto"
import { ControlPlane } from "@starform/starbase"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

const seconds = Number(process.env.PROFILE_SECONDS ?? 10)

if (!isMainThread) {
  const { url, token, duration } = workerData as { url: string; token: string; duration: number }
  const until = performance.now() + duration * 1000
  let count = 0
  let non200 = 0
  const cpu0 = process.threadCpuUsage()
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() < until) {
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
        await response.arrayBuffer()
        count++
        if (response.status !== 200) non200++
      }
    }),
  )
  const cpu = process.threadCpuUsage(cpu0)
  parentPort!.postMessage({ count, non200, loadCpuMs: (cpu.user + cpu.system) / 1000 })
}

const program = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`UPDATE rate_limit_budgets SET capacity = 100000000, refill_per_minute = 100000000 WHERE name = 'api'`
  const running = yield* ControlPlane.start({
    host: "127.0.0.1",
    port: 0,
    identityPort: 0,
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    logRequests: false,
  }).pipe(Effect.provide(FieldCrypto.layerFromKeys(randomBytes(32))))
  const signup = yield* Effect.promise(() =>
    fetch(`${running.gatewayUrl}/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `prof-${Date.now()}@example.com`, password: "benchmark passphrase" }),
    }).then((r) => r.json() as Promise<{ tokens: { accessToken: string } }>),
  )
  const token = signup.tokens.accessToken
  const workspace = yield* Effect.promise(() =>
    fetch(`${running.gatewayUrl}/v1/workspaces`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: "Profile" }),
    }).then((r) => r.json() as Promise<{ id: string }>),
  )
  for (let i = 0; i < 20; i++) yield* Fixtures.project({ workspaceId: workspace.id })
  const url = `${running.gatewayUrl}/v1/workspaces/${workspace.id}/projects`
  const body = yield* Effect.promise(() =>
    fetch(url, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text()),
  )
  if (process.env.PROFILE_PRINT) console.log(body)
  const load = (duration: number) =>
    Effect.promise(
      () =>
        new Promise<{ count: number; non200: number; loadCpuMs: number }>((resolve) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { url, token, duration } })
          worker.once("message", (m) => {
            resolve(m)
            void worker.terminate()
          })
        }),
    )
  yield* load(Number(process.env.PROFILE_WARMUP ?? 3))
  const cpu0 = process.cpuUsage()
  const started = performance.now()
  const result = yield* load(seconds)
  const cpu = process.cpuUsage(cpu0)
  const elapsed = (performance.now() - started) / 1000
  console.log(`rps=${(result.count / elapsed).toFixed(0)} non200=${result.non200}`)
  console.log(`server_cpu_ms=${(((cpu.user + cpu.system) / 1000 - result.loadCpuMs) / result.count).toFixed(3)}`)
})

if (isMainThread) {
  await Effect.runPromise(program.pipe(Effect.provide(TestDatabase.layer), Effect.scoped))
  process.exit(0)
}
