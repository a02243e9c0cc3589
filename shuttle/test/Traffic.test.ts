import { describe, expect, it } from "@effect/vitest"
import * as Fixtures from "../../packages/manifests/test/fixtures.ts"
import * as Traffic from "../src/Traffic.ts"

const ids = Fixtures.environmentIds()
const previous = Fixtures.release(1)
const next = Fixtures.release(2)
const rollingOut = Fixtures.service(ids, { release: next, previousRelease: previous, drainingSeconds: 30 })
const now = 1_700_000_000_000

describe("traffic", () => {
  it("a first deploy is selected at once: there is nothing else to serve", () => {
    const first = Fixtures.service(ids)
    const decision = Traffic.decide({ service: first, selected: null, draining: [], releaseReady: false, nowMs: now })
    expect(decision.serving.deploymentId).toBe(first.release.deploymentId)
    expect(decision.draining).toEqual([])
  })

  it("the previous release keeps serving while the new one is not ready", () => {
    const decision = Traffic.decide({
      service: rollingOut,
      selected: previous.deploymentId,
      draining: [],
      releaseReady: false,
      nowMs: now,
    })
    expect(decision.serving.deploymentId).toBe(previous.deploymentId)
    expect(decision.draining).toEqual([])
  })

  it("once the new release is ready traffic moves and the previous release drains for drainingSeconds", () => {
    const decision = Traffic.decide({
      service: rollingOut,
      selected: previous.deploymentId,
      draining: [],
      releaseReady: true,
      nowMs: now,
    })
    expect(decision.serving.deploymentId).toBe(next.deploymentId)
    expect(decision.draining).toEqual([{ deploymentId: previous.deploymentId, untilMs: now + 30_000 }])
    expect(decision.expired).toEqual([])
  })

  it("a drain under way continues, then expires and its release goes", () => {
    const draining = [{ deploymentId: previous.deploymentId, untilMs: now + 30_000 }]
    const during = Traffic.decide({
      service: rollingOut,
      selected: next.deploymentId,
      draining,
      releaseReady: true,
      nowMs: now + 10_000,
    })
    expect(during.draining).toEqual(draining)
    expect(during.expired).toEqual([])
    const after = Traffic.decide({
      service: rollingOut,
      selected: next.deploymentId,
      draining,
      releaseReady: true,
      nowMs: now + 30_000,
    })
    expect(after.draining).toEqual([])
    expect(after.expired).toEqual([previous.deploymentId])
  })

  it("a release already serving keeps serving while it rolls within itself (scaling, new variables)", () => {
    const decision = Traffic.decide({
      service: rollingOut,
      selected: next.deploymentId,
      draining: [],
      releaseReady: false,
      nowMs: now,
    })
    expect(decision.serving.deploymentId).toBe(next.deploymentId)
  })

  it("a service with a volume switches at once and stops the previous release without draining", () => {
    const withVolume = Fixtures.service(ids, {
      release: next,
      previousRelease: previous,
      volumes: [{ name: "data", sizeGb: 1, mountPath: "/data", storageClass: "do-block-storage" }],
    })
    const decision = Traffic.decide({
      service: withVolume,
      selected: previous.deploymentId,
      draining: [],
      releaseReady: false,
      nowMs: now,
    })
    expect(decision.serving.deploymentId).toBe(next.deploymentId)
    expect(decision.expired).toEqual([previous.deploymentId])
  })
})
