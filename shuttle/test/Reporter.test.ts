import { describe, expect, it } from "@effect/vitest"
import type { ShuttleRpc } from "@starform/domain"
import { Context, Effect, Layer } from "effect"
import * as Fixtures from "../../packages/manifests/test/fixtures.ts"
import { Reporter } from "../src/Reporter.ts"
import * as Settings from "../src/Settings.ts"
import { CurrentSettings } from "../src/Settings.ts"
import * as Starbase from "../src/Starbase.ts"
import * as Projects from "./support/Projects.ts"

const observed = (phase: ShuttleRpc.ObservedPhase, readyReplicas: number): ShuttleRpc.ObservedService => {
  const ids = Fixtures.environmentIds()
  const service = Fixtures.service(ids)
  return {
    serviceId: service.serviceId,
    deploymentId: service.release.deploymentId,
    desiredReplicas: 2,
    updatedReplicas: 2,
    readyReplicas,
    availableReplicas: readyReplicas,
    conditions: [],
    phase,
    failureReason: null,
  }
}

const reporterFor = (projects: Projects.Projects) =>
  Layer.build(
    Reporter.layer.pipe(
      Layer.provide(Starbase.layer({ url: projects.url, clusterId: projects.clusterId, token: projects.token })),
      Layer.provide(Layer.succeed(CurrentSettings, { ...Settings.defaults, retryCapMs: 200 })),
    ),
  ).pipe(Effect.map((context) => Context.get(context, Reporter)))

const eventually = <A>(check: Effect.Effect<A>, until: (a: A) => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 200; i++) {
      const value = yield* check
      if (until(value)) return value
      yield* Effect.sleep("20 millis")
    }
    return yield* check
  })

describe("reporting observed state", () => {
  it.live("sends the latest report per service, and does not repeat one already sent", () =>
    Effect.gen(function* () {
      const projects = yield* Projects.make()
      const reporter = yield* reporterFor(projects)
      const rolling = observed("progressing", 1)
      yield* reporter.offer(rolling)
      yield* reporter.offer({ ...rolling, readyReplicas: 2, availableReplicas: 2, phase: "ready" })
      const reports = yield* eventually(projects.reports, (all) => all.length > 0)
      expect(reports.map((report) => report.phase)).toEqual(["ready"])
      yield* reporter.offer({ ...rolling, readyReplicas: 2, availableReplicas: 2, phase: "ready" })
      yield* Effect.sleep("100 millis")
      expect(yield* projects.reports).toHaveLength(1)
    }).pipe(Effect.scoped),
  )

  it.live("keeps reports while the projects service is down and delivers the newest once it is back", () =>
    Effect.gen(function* () {
      const projects = yield* Projects.make()
      const reporter = yield* reporterFor(projects)
      yield* projects.stop
      const first = observed("progressing", 0)
      yield* reporter.offer(first)
      yield* Effect.sleep("150 millis")
      yield* reporter.offer({ ...first, phase: "failed", failureReason: "ProgressDeadlineExceeded: timed out" })
      yield* projects.start
      const reports = yield* eventually(projects.reports, (all) => all.length > 0)
      expect(reports).toHaveLength(1)
      expect(reports[0]).toMatchObject({ phase: "failed", failureReason: "ProgressDeadlineExceeded: timed out" })
    }).pipe(Effect.scoped),
  )
})
