import { describe, expect, it } from "@effect/vitest"
import * as Inventory from "../src/Inventory.ts"

describe("inventory", () => {
  it("round-trips through its ConfigMap, sorted, with empty owners left out", () => {
    let entries: Inventory.Entries = new Map()
    entries = Inventory.withOwner(entries, "svc_b", ["v1/Secret/ns/b-env", "apps/v1/Deployment/ns/b-r1"])
    entries = Inventory.withOwner(entries, "svc_a", ["v1/Secret/ns/a-env"])
    entries = Inventory.withOwner(entries, "svc_c", [])
    const configMap = Inventory.render("ns", Inventory.name, {}, entries)
    expect(configMap.data).toEqual({
      svc_a: "v1/Secret/ns/a-env",
      svc_b: "apps/v1/Deployment/ns/b-r1\nv1/Secret/ns/b-env",
    })
    expect(configMap.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "shuttle" })
    const parsed = Inventory.parse(configMap)
    expect(Inventory.same(parsed, entries)).toBe(true)
    expect(Inventory.refs(parsed, "svc_b")).toEqual([
      { apiVersion: "apps/v1", kind: "Deployment", namespace: "ns", name: "b-r1" },
      { apiVersion: "v1", kind: "Secret", namespace: "ns", name: "b-env" },
    ])
  })

  it("tells a changed inventory from the same one", () => {
    const a = Inventory.withOwner(new Map(), "svc_a", ["x", "y"])
    expect(Inventory.same(a, Inventory.withOwner(new Map(), "svc_a", ["y", "x"]))).toBe(true)
    expect(Inventory.same(a, Inventory.withOwner(a, "svc_a", ["x"]))).toBe(false)
  })
})
