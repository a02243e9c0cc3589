import { describe, expect, it } from "@effect/vitest"
import { BuildLifecycle, DeploymentLifecycle, Deploys } from "@starform/domain"

const pairs = <S extends string>(statuses: ReadonlyArray<S>) =>
  statuses.flatMap((from) => statuses.map((to) => [from, to] as const))

describe("deployment lifecycle", () => {
  const legal = [
    ["queued", "building"],
    ["queued", "deploying"],
    ["queued", "failed"],
    ["queued", "cancelled"],
    ["building", "deploying"],
    ["building", "failed"],
    ["building", "cancelled"],
    ["deploying", "active"],
    ["deploying", "failed"],
    ["deploying", "cancelled"],
    ["active", "superseded"],
  ] as const

  it.each(legal)("allows %s → %s", (from, to) => {
    expect(DeploymentLifecycle.canTransition(from, to)).toBe(true)
  })

  it("refuses every other move, e.g. active → building or failed → active", () => {
    const allowed = new Set(legal.map(([from, to]) => `${from}→${to}`))
    for (const [from, to] of pairs(Deploys.deploymentStatuses)) {
      expect(DeploymentLifecycle.canTransition(from, to)).toBe(allowed.has(`${from}→${to}`))
    }
    expect(DeploymentLifecycle.canTransition("active", "building")).toBe(false)
    expect(DeploymentLifecycle.canTransition("active", "failed")).toBe(false)
    expect(DeploymentLifecycle.canTransition("superseded", "active")).toBe(false)
  })

  it("ends in failed, cancelled or superseded", () => {
    expect(Deploys.deploymentStatuses.filter(DeploymentLifecycle.isFinal)).toEqual([
      "failed",
      "cancelled",
      "superseded",
    ])
  })
})

describe("build lifecycle", () => {
  const steps = [
    ["queued", "cloning"],
    ["cloning", "building"],
    ["building", "pushing"],
    ["pushing", "succeeded"],
  ] as const
  const inProgress = ["queued", "cloning", "building", "pushing"] as const
  const endings = ["failed", "timed_out", "cancelled"] as const
  const legal = [...steps, ...inProgress.flatMap((from) => endings.map((to) => [from, to] as const))]

  it.each(legal)("allows %s → %s", (from, to) => {
    expect(BuildLifecycle.canTransition(from, to)).toBe(true)
  })

  it("refuses every other move, e.g. succeeded → failed or queued → pushing", () => {
    const allowed = new Set(legal.map(([from, to]) => `${from}→${to}`))
    for (const [from, to] of pairs(Deploys.buildStatuses)) {
      expect(BuildLifecycle.canTransition(from, to)).toBe(allowed.has(`${from}→${to}`))
    }
    expect(BuildLifecycle.canTransition("succeeded", "failed")).toBe(false)
    expect(BuildLifecycle.canTransition("queued", "pushing")).toBe(false)
    expect(BuildLifecycle.canTransition("timed_out", "queued")).toBe(false)
  })

  it("ends in succeeded, failed, timed_out or cancelled", () => {
    expect(Deploys.buildStatuses.filter(BuildLifecycle.isFinal)).toEqual([
      "succeeded",
      "failed",
      "timed_out",
      "cancelled",
    ])
  })
})
