import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer } from "effect"
import * as Fixtures from "../../packages/manifests/test/fixtures.ts"
import * as StarbaseModule from "../src/Starbase.ts"
import { Starbase } from "../src/Starbase.ts"
import * as Projects from "./support/Projects.ts"

const environment = () => {
  const ids = Fixtures.environmentIds()
  return Fixtures.environment(ids, [Fixtures.service(ids)])
}

/** A client living as long as the test's scope. */
const client = (projects: Projects.Projects, token = projects.token) =>
  Layer.build(StarbaseModule.layer({ url: projects.url, clusterId: projects.clusterId, token })).pipe(
    Effect.map((context) => Context.get(context, Starbase)),
  )

describe("Starbase (Shuttle's side of ShuttleRpc)", () => {
  it.live("long-polls: answers the moment a version is published, and NotModified when nothing is", () =>
    Effect.gen(function* () {
      const projects = yield* Projects.make()
      const starbase = yield* client(projects)
      expect(yield* starbase.getDesiredState(0, 50)).toEqual({ _tag: "NotModified", version: 0, hash: null })
      const waiting = yield* Effect.forkChild(starbase.getDesiredState(0, 10_000))
      yield* Effect.sleep("50 millis")
      const published = yield* projects.publish([environment()])
      const answer = yield* Fiber.join(waiting)
      expect(answer._tag).toBe("ChangedDocument")
      expect(answer._tag === "ChangedDocument" && answer.version).toBe(published.version)
      expect(answer._tag === "ChangedDocument" && answer.hash).toBe(published.hash)
      expect(yield* starbase.getDesiredState(published.version, 50)).toMatchObject({ _tag: "NotModified" })
    }).pipe(Effect.scoped),
  )

  it.live("a wrong token is refused as unauthorized; a stopped server is unreachable until it is back", () =>
    Effect.gen(function* () {
      const projects = yield* Projects.make()
      const impostor = yield* client(projects, "sft_wrong")
      const refused = yield* Effect.flip(impostor.getDesiredState(0, 10))
      expect(refused._tag).toBe("ClusterUnauthorized")

      const starbase = yield* client(projects)
      yield* projects.stop
      const down = yield* Effect.flip(starbase.reportObservedState(1, []))
      expect(down._tag).toBe("StarbaseUnreachable")
      yield* projects.start
      expect(yield* starbase.reportObservedState(1, [])).toEqual({ accepted: 0, ignored: 0 })
    }).pipe(Effect.scoped),
  )
})
