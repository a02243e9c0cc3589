import { describe, expect, it } from "@effect/vitest"
import { Options, Render } from "@starform/manifests"
import * as Fixtures from "../../packages/manifests/test/fixtures.ts"
import * as Diff from "../src/Diff.ts"

const ids = Fixtures.environmentIds()
const [secret, service, deployment] = Render.service(
  Fixtures.service(ids, { isPublic: false, domains: [] }),
  Options.defaults,
).map(Diff.stamp)

/** What the API server hands back: the object plus defaults, status and server-set metadata. */
const asLive = <O extends object>(object: O): O => {
  const copy = structuredClone(object) as O & { metadata: Record<string, unknown>; spec?: Record<string, unknown> }
  copy.metadata.uid = "0b7a…"
  copy.metadata.resourceVersion = "42"
  copy.metadata.managedFields = [{ manager: "starform-shuttle", operation: "Apply" }]
  if (copy.spec) copy.spec.defaultedByServer = true
  return { ...copy, status: { observedGeneration: 1 } }
}

describe("diff", () => {
  it("an object the cluster holds as applied has not drifted, whatever the server added to it", () => {
    for (const object of [secret!, service!, deployment!]) expect(Diff.drifted(object, asLive(object))).toBe(false)
  })

  it("a missing object has drifted", () => {
    expect(Diff.drifted(deployment!, null)).toBe(true)
  })

  it("a field Shuttle sets, changed by someone else, has drifted", () => {
    const live = asLive(deployment!) as typeof deployment & { spec: { replicas: number } }
    live.spec.replicas = 7
    expect(Diff.drifted(deployment!, live)).toBe(true)
  })

  it("a change in what Shuttle renders, even a field removed, has drifted", () => {
    const web = Fixtures.service(ids, { isPublic: false, domains: [], startCommand: "node a.js" })
    const before = Render.service(web, Options.defaults).map(Diff.stamp)
    const after = Render.service({ ...web, startCommand: null }, Options.defaults).map(Diff.stamp)
    const index = before.findIndex((o) => o.kind === "Deployment")
    expect(Diff.drifted(after[index]!, asLive(before[index]!))).toBe(true)
  })

  it("the digest is stable across calls and changes with the content", () => {
    expect(Diff.digest(deployment!)).toBe(Diff.digest(structuredClone(deployment!)))
    expect(Diff.digest({ ...secret!, metadata: { ...secret!.metadata, name: "other" } })).not.toBe(Diff.digest(secret!))
  })

  it("empty values in the render match fields the server leaves out", () => {
    expect(Diff.covers({ a: 1 }, { a: 1, b: {}, c: [] })).toBe(true)
    expect(Diff.covers({ a: [1, 2] }, { a: [1] })).toBe(false)
    expect(Diff.covers({ a: { b: "x" } }, { a: { b: "y" } })).toBe(false)
  })
})
