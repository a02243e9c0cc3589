import { expect, layer } from "@effect/vitest"
import { Builds } from "@starform/builds"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect, Fiber, Layer, Ref, Stream } from "effect"

const Env = Builds.BuildLogs.BuildLogs.layer.pipe(Layer.provideMerge(TestDatabase.layer))

const line = (text: string) => ({ at: new Date(), stream: "runner" as const, line: text })

layer(Env, { excludeTestServices: true })("build logs", (it) => {
  it.effect("a watcher gets what was written before it came, then each line as it is written, then the end", () =>
    Effect.gen(function* () {
      const logs = yield* Builds.BuildLogs.BuildLogs
      const build = yield* Fixtures.build()
      const done = yield* Ref.make(false)
      yield* logs.append(build.id, [line("Cloning"), line("Cloned")])

      const watcher = yield* Stream.runCollect(logs.watch(build.id, 0, Ref.get(done))).pipe(Effect.forkChild)
      yield* Effect.sleep(100)
      yield* logs.append(build.id, [line("$ npm ci")])
      yield* Effect.sleep(100)
      yield* logs.append(build.id, [line("$ npm run build"), line("built in 3.2s")])
      yield* Ref.set(done, true)
      const seen = yield* Fiber.join(watcher)
      expect(seen.map((l) => l.line)).toEqual(["Cloning", "Cloned", "$ npm ci", "$ npm run build", "built in 3.2s"])
      const seqs = seen.map((l) => l.seq)
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)

      // reading on from a line seen: nothing repeated
      const rest = yield* logs.read(build.id, seqs[2]!, 100)
      expect(rest.map((l) => l.line)).toEqual(["$ npm run build", "built in 3.2s"])
      // another build's log is its own
      const other = yield* Fixtures.build()
      expect(yield* logs.read(other.id, 0, 100)).toEqual([])
    }),
  )

  it.effect("a line longer than the column allows is cut and says so", () =>
    Effect.gen(function* () {
      const logs = yield* Builds.BuildLogs.BuildLogs
      const build = yield* Fixtures.build()
      yield* logs.append(build.id, [line("x".repeat(20_000))])
      const [stored] = yield* logs.read(build.id, 0, 10)
      expect(stored!.line.length).toBeLessThanOrEqual(16_384)
      expect(stored!.line.endsWith("(line cut)")).toBe(true)
    }),
  )
})
