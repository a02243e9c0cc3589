import { describe, expect, it } from "@effect/vitest"
import { Options, Render } from "@starform/manifests"
import * as Fixtures from "../../packages/manifests/test/fixtures.ts"
import * as Drift from "../src/Drift.ts"

const ids = Fixtures.environmentIds()
const [secret, service, deployment] = Render.service(
  Fixtures.service(ids, { isPublic: false, domains: [] }),
  Options.defaults,
).map(Drift.stamp)

/** What the API server hands back: the object plus defaults, status and server-set metadata. */
const asLive = <O extends object>(object: O): O => {
  const copy = structuredClone(object) as O & { metadata: Record<string, unknown>; spec?: Record<string, unknown> }
  copy.metadata.uid = "0b7a…"
  copy.metadata.resourceVersion = "42"
  copy.metadata.managedFields = [{ manager: "starform-shuttle", operation: "Apply" }]
  if (copy.spec) copy.spec.defaultedByServer = true
  return { ...copy, status: { observedGeneration: 1 } }
}

describe("drift", () => {
  it("an object the cluster holds as applied has not drifted, whatever the server added to it", () => {
    for (const object of [secret!, service!, deployment!]) expect(Drift.drifted(object, asLive(object))).toBe(false)
  })

  it("a missing object has drifted", () => {
    expect(Drift.drifted(deployment!, null)).toBe(true)
  })

  it("a field Shuttle sets, changed by someone else, has drifted", () => {
    const live = asLive(deployment!) as typeof deployment & { spec: { replicas: number } }
    live.spec.replicas = 7
    expect(Drift.drifted(deployment!, live)).toBe(true)
  })

  it("a change in what Shuttle renders, even a field removed, has drifted", () => {
    const web = Fixtures.service(ids, { isPublic: false, domains: [], startCommand: "node a.js" })
    const before = Render.service(web, Options.defaults).map(Drift.stamp)
    const after = Render.service({ ...web, startCommand: null }, Options.defaults).map(Drift.stamp)
    const index = before.findIndex((o) => o.kind === "Deployment")
    expect(Drift.drifted(after[index]!, asLive(before[index]!))).toBe(true)
  })

  it("the digest is stable across calls and changes with the content", () => {
    expect(Drift.digest(deployment!)).toBe(Drift.digest(structuredClone(deployment!)))
    expect(Drift.digest({ ...secret!, metadata: { ...secret!.metadata, name: "other" } })).not.toBe(
      Drift.digest(secret!),
    )
  })

  it("empty values in the render match fields the server leaves out", () => {
    expect(Drift.covers({ a: 1 }, { a: 1, b: {}, c: [] })).toBe(true)
    expect(Drift.covers({ a: [1, 2] }, { a: [1] })).toBe(false)
    expect(Drift.covers({ a: { b: "x" } }, { a: { b: "y" } })).toBe(false)
  })
})
