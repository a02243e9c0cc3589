import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber } from "effect"
import { RecentAnswers } from "../src/auth/RecentAnswers.ts"

/** A lookup that counts its runs and answers only when `gate` opens. */
const gatedLookup = <A>(answer: Effect.Effect<A, string>) =>
  Effect.gen(function* () {
    const gate = yield* Deferred.make<void>()
    const runs = { count: 0 }
    const lookup = Effect.suspend(() => {
      runs.count++
      return Effect.andThen(Deferred.await(gate), answer)
    })
    return { gate, runs, lookup }
  })

const unbounded = { concurrency: "unbounded" } as const

describe("the gateway's cache of identity's answers", () => {
  it.live("asks once for a burst of requests that miss together, and every one gets the answer", () =>
    Effect.gen(function* () {
      const cache = yield* RecentAnswers.make<string, string>(60_000)
      const { gate, runs, lookup } = yield* gatedLookup(Effect.succeed("live"))
      const burst = yield* Effect.forkChild(
        Effect.all(
          Array.from({ length: 50 }, () => cache.getOrLoad("usr|ses", lookup)),
          unbounded,
        ),
      )
      yield* Effect.sleep("20 millis")
      yield* Deferred.succeed(gate, undefined)
      const answers = yield* Fiber.join(burst)
      expect(answers).toEqual(Array.from({ length: 50 }, () => "live"))
      expect(runs.count).toBe(1)
      // remembered: the next request does not ask
      expect(yield* cache.getOrLoad("usr|ses", lookup)).toBe("live")
      expect(runs.count).toBe(1)
    }),
  )

  it.live("keeps different keys apart", () =>
    Effect.gen(function* () {
      const cache = yield* RecentAnswers.make<string, string>(60_000)
      let runs = 0
      const lookupOf = (key: string) => Effect.sync(() => `${key}:${++runs}`)
      const [a, b] = yield* Effect.all(
        [cache.getOrLoad("a", lookupOf("a")), cache.getOrLoad("b", lookupOf("b"))],
        unbounded,
      )
      expect(a).toMatch(/^a:/)
      expect(b).toMatch(/^b:/)
      expect(runs).toBe(2)
      expect(yield* cache.getOrLoad("a", lookupOf("a"))).toBe(a)
    }),
  )

  it.live("asks again once an answer has expired", () =>
    Effect.gen(function* () {
      const cache = yield* RecentAnswers.make<number, string>(30)
      let runs = 0
      const lookup = Effect.sync(() => ++runs)
      expect(yield* cache.getOrLoad("k", lookup)).toBe(1)
      expect(yield* cache.getOrLoad("k", lookup)).toBe(1)
      yield* Effect.sleep("60 millis")
      expect(yield* cache.getOrLoad("k", lookup)).toBe(2)
    }),
  )

  it.live("a failed lookup fails everyone who waited for it and is not remembered", () =>
    Effect.gen(function* () {
      const cache = yield* RecentAnswers.make<string, string>(60_000)
      const { gate, runs, lookup } = yield* gatedLookup(Effect.fail("identity did not answer"))
      const burst = yield* Effect.forkChild(
        Effect.all(
          Array.from({ length: 10 }, () => Effect.exit(cache.getOrLoad("k", lookup))),
          unbounded,
        ),
      )
      yield* Effect.sleep("20 millis")
      yield* Deferred.succeed(gate, undefined)
      const exits = yield* Fiber.join(burst)
      for (const exit of exits) {
        expect(Exit.isFailure(exit) && Cause.squash(exit.cause)).toBe("identity did not answer")
      }
      expect(runs.count).toBe(1)
      // the next request asks again
      yield* Effect.exit(cache.getOrLoad("k", lookup))
      expect(runs.count).toBe(2)
    }),
  )

  it.live("an answer asked for before a clear (a revocation) reaches its callers but is not remembered", () =>
    Effect.gen(function* () {
      const cache = yield* RecentAnswers.make<string, string>(60_000)
      const { gate, runs, lookup } = yield* gatedLookup(Effect.succeed("live"))
      const before = yield* Effect.forkChild(cache.getOrLoad("k", lookup))
      yield* Effect.sleep("20 millis")
      cache.clear()
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(before)).toBe("live")
      expect(yield* cache.get("k")).toBeUndefined()
      yield* cache.getOrLoad("k", lookup)
      expect(runs.count).toBe(2)
    }),
  )

  it.live("the others still get the answer when the request that asked is cancelled", () =>
    Effect.gen(function* () {
      const cache = yield* RecentAnswers.make<string, string>(60_000)
      const { gate, runs, lookup } = yield* gatedLookup(Effect.succeed("live"))
      const first = yield* Effect.forkChild(cache.getOrLoad("k", lookup))
      yield* Effect.sleep("10 millis")
      const second = yield* Effect.forkChild(cache.getOrLoad("k", lookup))
      yield* Effect.sleep("10 millis")
      const interrupted = yield* Effect.forkChild(Fiber.interrupt(first))
      yield* Effect.sleep("10 millis")
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(interrupted)
      // a waiter left without an answer would hang: it must have one within two seconds
      expect(yield* Fiber.join(second).pipe(Effect.timeout("2 seconds"))).toBe("live")
      expect(yield* cache.get("k")).toBe("live")
      expect(runs.count).toBe(1)
    }),
  )
})
