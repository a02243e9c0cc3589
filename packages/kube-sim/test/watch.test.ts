import * as k8s from "@kubernetes/client-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KubeSim, type Simulator } from "../src/index.ts"
import { clients, raw } from "./support/Clients.ts"

let sim: Simulator
let c: ReturnType<typeof clients>

beforeAll(async () => {
  sim = await KubeSim.start({ clock: "manual", bookmarkIntervalMs: 50 })
  c = clients(sim)
  await c.core.createNamespace({ body: { metadata: { name: "w" } } })
  const labels: Array<[string, Record<string, string>]> = [
    ["a", { tier: "web", env: "prod" }],
    ["b", { tier: "web", env: "staging" }],
    ["c", { tier: "worker", env: "prod" }],
    ["d", { env: "prod" }],
  ]
  for (const [name, l] of labels)
    await c.core.createNamespacedConfigMap({ namespace: "w", body: { metadata: { name, labels: l } } })
})
afterAll(() => sim.stop())

interface Seen {
  type: string
  name: string | undefined
  rv: string | undefined
  annotations?: Record<string, string> | undefined
  code?: number
}

/** Opens a watch through the client's Watch and collects what arrives. */
const watch = async (path: string, params: Record<string, string>) => {
  const seen: Seen[] = []
  let ended: unknown = "open"
  const controller = await new k8s.Watch(c.kc).watch(
    path,
    params,
    (
      type,
      object: {
        metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> }
        code?: number
      },
    ) =>
      seen.push({
        type,
        name: object.metadata?.name,
        rv: object.metadata?.resourceVersion,
        annotations: object.metadata?.annotations,
        ...(object.code !== undefined ? { code: object.code } : {}),
      }),
    (error) => {
      ended = error
    },
  )
  return { seen, controller, ended: () => ended }
}

const until = (predicate: () => boolean) => sim.waitFor(predicate, { timeoutMs: 5000 })

describe("list", () => {
  const names = async (labelSelector: string) =>
    (await c.core.listNamespacedConfigMap({ namespace: "w", labelSelector })).items
      .map((i) => i.metadata?.name)
      .filter((n) => n !== "kube-root-ca.crt")

  it("filters by label selectors: =, ==, !=, in, notin, exists and !exists", async () => {
    expect(await names("tier=web")).toEqual(["a", "b"])
    expect(await names("tier==web,env=prod")).toEqual(["a"])
    expect(await names("tier!=web,env")).toEqual(["c", "d"])
    expect(await names("env in (prod, staging),tier")).toEqual(["a", "b", "c"])
    expect(await names("tier notin (web),env")).toEqual(["c", "d"])
    expect(await names("tier")).toEqual(["a", "b", "c"])
    expect(await names("!tier,env")).toEqual(["d"])
  })

  it("filters by metadata.name and refuses fields the server does not index", async () => {
    const one = await c.core.listNamespacedConfigMap({ namespace: "w", fieldSelector: "metadata.name=b" })
    expect(one.items.map((i) => i.metadata?.name)).toEqual(["b"])
    const bad = await raw(sim, "GET", "/api/v1/namespaces/w/configmaps?fieldSelector=data.x%3Dy")
    expect(bad.status).toBe(400)
    expect(bad.body.message).toBe("field label not supported: data.x")
    const malformed = await raw(sim, "GET", "/api/v1/namespaces/w/configmaps?labelSelector=a%20in%20()")
    expect(malformed.status).toBe(400)
  })

  it("pages with limit and continue, reporting what remains", async () => {
    const first = await c.core.listNamespacedConfigMap({ namespace: "w", limit: 2 })
    expect(first.items).toHaveLength(2)
    expect(first.metadata?.remainingItemCount).toBe(3)
    const rest = await c.core.listNamespacedConfigMap({
      namespace: "w",
      limit: 10,
      _continue: first.metadata!._continue!,
    })
    expect([...first.items, ...rest.items].map((i) => i.metadata?.name)).toEqual([
      "a",
      "b",
      "c",
      "d",
      "kube-root-ca.crt",
    ])
  })
})

describe("watch", () => {
  it("from a list's resourceVersion delivers later changes in order; leaving the selector reads as DELETED", async () => {
    const list = await c.core.listNamespacedConfigMap({ namespace: "w", labelSelector: "tier=web" })
    const w = await watch("/api/v1/namespaces/w/configmaps", {
      resourceVersion: list.metadata!.resourceVersion!,
      labelSelector: "tier=web",
    })
    await c.core.createNamespacedConfigMap({
      namespace: "w",
      body: { metadata: { name: "e", labels: { tier: "web" } } },
    })
    await c.core.patchNamespacedConfigMap({
      namespace: "w",
      name: "a",
      body: [{ op: "replace", path: "/metadata/labels/tier", value: "worker" }],
    })
    await c.core.patchNamespacedConfigMap({
      namespace: "w",
      name: "c",
      body: [{ op: "replace", path: "/metadata/labels/tier", value: "web" }],
    })
    await c.core.deleteNamespacedConfigMap({ namespace: "w", name: "e" })
    await until(() => w.seen.length >= 4)
    w.controller.abort()
    expect(w.seen.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED e", "DELETED a", "ADDED c", "DELETED e"])
    const versions = w.seen.map((e) => Number(e.rv))
    expect(versions).toEqual([...versions].sort((x, y) => x - y))
  })

  it("with no resourceVersion starts with the current objects as ADDED; metadata.name narrows it to one", async () => {
    const w = await watch("/api/v1/namespaces/w/configmaps", { fieldSelector: "metadata.name=b" })
    await until(() => w.seen.length >= 1)
    await c.core.patchNamespacedConfigMap({
      namespace: "w",
      name: "b",
      body: [{ op: "add", path: "/data", value: { x: "1" } }],
    })
    await c.core.patchNamespacedConfigMap({
      namespace: "w",
      name: "d",
      body: [{ op: "add", path: "/data", value: { x: "1" } }],
    })
    await until(() => w.seen.length >= 2)
    w.controller.abort()
    expect(w.seen.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED b", "MODIFIED b"])
  })

  it("answers a resourceVersion older than the history with a 410 Expired ERROR event", async () => {
    const list = await c.core.listNamespacedConfigMap({ namespace: "w" })
    await c.core.createNamespacedConfigMap({ namespace: "w", body: { metadata: { name: "later" } } })
    sim.compact()
    const w = await watch("/api/v1/namespaces/w/configmaps", { resourceVersion: list.metadata!.resourceVersion! })
    await until(() => w.ended() !== "open")
    expect(w.seen).toEqual([expect.objectContaining({ type: "ERROR", code: 410 })])
    const tooOld = await raw(
      sim,
      "GET",
      `/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${list.metadata!.resourceVersion}`,
    )
    expect(JSON.parse(tooOld.text.trim())).toMatchObject({
      type: "ERROR",
      object: {
        kind: "Status",
        code: 410,
        reason: "Expired",
        message: expect.stringMatching(/^too old resource version: \d+ \(\d+\)$/),
      },
    })
  })

  it("sends BOOKMARK events only when asked, carrying the current resourceVersion", async () => {
    const current = sim.resourceVersion
    const plain = await watch("/api/v1/namespaces/w/configmaps", { resourceVersion: String(current) })
    const marked = await watch("/api/v1/namespaces/w/configmaps", {
      resourceVersion: String(current),
      allowWatchBookmarks: "true",
    })
    await until(() => marked.seen.some((e) => e.type === "BOOKMARK"))
    plain.controller.abort()
    marked.controller.abort()
    expect(plain.seen.filter((e) => e.type === "BOOKMARK")).toEqual([])
    expect(Number(marked.seen.find((e) => e.type === "BOOKMARK")!.rv)).toBeGreaterThanOrEqual(current)
  })

  it("streams the initial list then a bookmark marked initial-events-end (sendInitialEvents)", async () => {
    const w = await watch("/api/v1/namespaces/w/configmaps", {
      sendInitialEvents: "true",
      resourceVersionMatch: "NotOlderThan",
      allowWatchBookmarks: "true",
      labelSelector: "env=prod",
    })
    await until(() => w.seen.some((e) => e.annotations?.["k8s.io/initial-events-end"] === "true"))
    w.controller.abort()
    const end = w.seen.findIndex((e) => e.annotations?.["k8s.io/initial-events-end"] === "true")
    expect(w.seen.slice(0, end).map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED a", "ADDED c", "ADDED d"])
  })

  it("an informer recovers from dropped watches and a compaction, and converges on the truth", async () => {
    const path = "/api/v1/namespaces/w/configmaps"
    const informer = k8s.makeInformer(c.kc, path, () => c.core.listNamespacedConfigMap({ namespace: "w" }))
    await informer.start()
    const names = () =>
      informer
        .list("w")
        .map((o) => o.metadata?.name)
        .sort()
    await until(() => names().includes("a"))
    sim.faults.dropWatches()
    await c.core.createNamespacedConfigMap({ namespace: "w", body: { metadata: { name: "after-drop" } } })
    await until(() => names().includes("after-drop"))
    sim.faults.dropWatches({ abrupt: true })
    await c.core.deleteNamespacedConfigMap({ namespace: "w", name: "b" })
    sim.compact()
    // A reset connection is an error to the informer; restarting it lists afresh.
    await new Promise((resolve) => setTimeout(resolve, 50))
    await informer.start()
    await until(() => !names().includes("b"))
    await informer.stop()
    const truth = (await c.core.listNamespacedConfigMap({ namespace: "w" })).items.map((i) => i.metadata?.name).sort()
    expect(names()).toEqual(truth)
  })
})
