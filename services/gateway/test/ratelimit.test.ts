import { type ChildProcess, spawn } from "node:child_process"
import { generateKeyPairSync } from "node:crypto"
import { connect } from "node:net"
import { describe, expect, it, layer } from "@effect/vitest"
import { Fixtures, Ports, TestDatabase } from "@starform/testkit"
import { Effect, Logger, Option, Redacted } from "effect"
import { Redis } from "ioredis"
import { headers, take, verdictOf } from "../src/ratelimit/TokenBucket.ts"
import * as Harness from "./identityHarness.ts"

const api = { name: "api", capacity: 100, refillPerMinute: 100 }

describe("the token bucket", () => {
  it("a full bucket serves its capacity at once, then one request per refill interval", () => {
    let state: Parameters<typeof take>[1]
    const verdicts = []
    for (let i = 0; i < 101; i++) {
      const result = take(api, state, 1_000)
      state = result.state
      verdicts.push(result.verdict)
    }
    expect(verdicts.slice(0, 100).every((v) => v.allowed)).toBe(true)
    expect(verdicts[99]!.remaining).toBe(0)
    expect(verdicts[100]).toMatchObject({ allowed: false, retryAfterSeconds: 1 })
    // 100 per minute: one token every 600 ms
    expect(take(api, state, 1_599).verdict.allowed).toBe(false)
    expect(take(api, state, 1_600).verdict.allowed).toBe(true)
    expect(take(api, state, 61_000).verdict.remaining).toBe(99)
  })

  it("the headers say the limit, what is left, when it is full again, and when to retry", () => {
    expect(headers(api, verdictOf(api, true, 40))).toEqual({
      "ratelimit-limit": "100",
      "ratelimit-remaining": "40",
      "ratelimit-reset": "36",
      "ratelimit-policy": "100;w=60",
    })
    expect(headers(api, verdictOf(api, false, 0.5))["retry-after"]).toBe("1")
  })
})

/** Resolves once something accepts TCP connections on `port`. */
const listening = async (port: number) => {
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1")
      socket.once("connect", () => {
        socket.destroy()
        resolve(true)
      })
      socket.once("error", () => resolve(false))
    })
    if (up) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`redis-server did not start on ${port}`)
}

/** A Redis of the test's own on `port` (never the machine's 6379), stopped with the scope. */
const startRedis = (port: number) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
      const child = spawn("redis-server", args, { stdio: "ignore" })
      await listening(port)
      const probe = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 0 })
      probe.on("error", () => {})
      return { child, probe }
    }),
    ({ child, probe }) =>
      Effect.sync(() => {
        probe.disconnect()
        child.kill("SIGKILL")
      }),
  )

const stop = (child: ChildProcess) =>
  Effect.promise(
    () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      }),
  )

layer(TestDatabase.layer)("rate limiting through Redis", (it) => {
  it.effect(
    "100 requests a minute per user: the 101st answers 429 with Retry-After, and a second gateway shares the bucket",
    () =>
      Effect.gen(function* () {
        const port = yield* Ports.free
        const { probe } = yield* startRedis(port)
        const redisUrl = `redis://127.0.0.1:${port}`
        // Two Starbases sharing Redis and the access-token key, as two gateway replicas would.
        const signingKeyPem = Option.some(
          Redacted.make(generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
        )
        const first = Harness.client((yield* Harness.start({ redisUrl, identity: { signingKeyPem } })).baseUrl)
        // Started before the burst: starting a Starbase takes longer than the bucket needs to refill one token.
        const second = Harness.client((yield* Harness.start({ redisUrl, identity: { signingKeyPem } })).baseUrl)
        const person = yield* Harness.signup(first)
        // A burst: the bucket's 100, plus what refills while the burst runs (one request per 600 ms).
        const began = Date.now()
        const remaining: Array<number> = []
        let over = yield* first.get("/v1/me", person.token)
        while (over.status === 200 && remaining.length < 150) {
          remaining.push(Number(over.headers.get("ratelimit-remaining")))
          over = yield* first.get("/v1/me", person.token)
        }
        expect(remaining[0]).toBe(99)
        expect(remaining.length).toBeGreaterThanOrEqual(100)
        expect(remaining.length).toBeLessThanOrEqual(100 + Math.ceil((Date.now() - began) / 600))
        expect(over.status).toBe(429)
        expect(over.body).toMatchObject({ code: "rate_limited" })
        expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
        expect(over.headers.get("ratelimit-limit")).toBe("100")
        expect(yield* Effect.promise(() => probe.exists(`starform:ratelimit:api:user:${person.userId}`))).toBe(1)

        // The shared bucket is empty: 429, or under a slow machine the one token that refilled since (remaining 0);
        // a bucket of its own would answer 200 with 99 left.
        const shared = yield* second.get("/v1/me", person.token)
        expect(shared.status === 429 ? "0" : shared.headers.get("ratelimit-remaining")).toBe("0")
        // another person has a bucket of their own
        const other = yield* Harness.signup(first, "Other")
        expect((yield* second.get("/v1/me", other.token)).status).toBe(200)
      }).pipe(Effect.scoped),
  )

  it.effect(
    "when Redis dies mid-run the gateway keeps serving on the in-process limiter, says so, and returns to Redis",
    () =>
      Effect.gen(function* () {
        const logs: Array<string> = []
        const capture = Logger.layer([Logger.make(({ message }) => logs.push(String(message)))], {
          mergeWithExisting: true,
        })
        yield* Effect.gen(function* () {
          const port = yield* Ports.free
          const { child } = yield* startRedis(port)
          const gateway = Harness.client((yield* Harness.start({ redisUrl: `redis://127.0.0.1:${port}` })).baseUrl)
          const person = yield* Harness.signup(gateway)
          expect((yield* gateway.get("/v1/me", person.token)).headers.get("ratelimit-remaining")).toBe("99")

          yield* stop(child)
          const during = yield* gateway.get("/v1/me", person.token)
          expect(during.status).toBe(200)
          expect(during.headers.get("ratelimit-limit")).toBe("100")
          expect(logs.some((line) => line.includes(`Redis at 127.0.0.1:${port} failed`))).toBe(true)
          for (let i = 0; i < 5; i++) expect((yield* gateway.get("/v1/me", person.token)).status).toBe(200)

          const { probe } = yield* startRedis(port)
          // Redis is tried again once it reports ready and two seconds have passed since the failure.
          yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2500)))
          expect((yield* gateway.get("/v1/me", person.token)).status).toBe(200)
          expect(logs.some((line) => line.includes("answers again"))).toBe(true)
          // limiting is in Redis again: the bucket is there
          expect(yield* Effect.promise(() => probe.exists(`starform:ratelimit:api:user:${person.userId}`))).toBe(1)
        }).pipe(Effect.provide(capture))
      }).pipe(Effect.scoped),
  )

  it.effect("deploying draws on the stricter deploy budget: over it, 429 whatever route deploys", () =>
    Effect.gen(function* () {
      const api = Harness.client(
        (yield* Harness.start({ budgets: { deploy: { capacity: 2, refillPerMinute: 2 } } })).baseUrl,
      )
      const owner = yield* Harness.signup(api)
      const workspaceId = yield* Harness.workspace(api, owner.token)
      const service = yield* Fixtures.service({ projectId: (yield* Fixtures.project({ workspaceId })).id })
      const statuses: Array<number> = []
      for (let i = 0; i < 3; i++) {
        statuses.push((yield* api.post(`/v1/services/${service.id}/deployments`, {}, owner.token)).status)
      }
      expect(statuses.slice(0, 2)).not.toContain(429)
      const over = yield* api.post(`/v1/services/${service.id}/deployments`, {}, owner.token)
      expect(over.status).toBe(429)
      expect(over.body.code).toBe("rate_limited")
      expect(over.headers.get("ratelimit-limit")).toBe("2")
      expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0)
      // reading is not deploying
      expect((yield* api.get(`/v1/services/${service.id}/deployments`, owner.token)).status).toBe(200)
    }).pipe(Effect.scoped),
  )
})
