import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KubeSim, type Simulator } from "../src/index.ts"
import { clients, failure } from "./support/Clients.ts"

/** Paged lists: every page shows the collection as it was when the first page was read. */

let sim: Simulator
let c: ReturnType<typeof clients>

beforeAll(async () => {
  // A short history, so a continue token can outlive it.
  sim = await KubeSim.start({ clock: "manual", historySize: 20 })
  c = clients(sim)
  await c.core.createNamespace({ body: { metadata: { name: "p" } } })
})
afterAll(() => sim.stop())

const configMap = (name: string, value: string) => ({ metadata: { name }, data: { value } })

const seed = async (namespace: string) => {
  await c.core.createNamespace({ body: { metadata: { name: namespace } } })
  for (const name of ["a", "b", "c", "d", "e"])
    await c.core.createNamespacedConfigMap({ namespace, body: configMap(name, `${name}-1`) })
}

const named = (items: ReadonlyArray<{ metadata?: { name?: string } }>) => items.map((item) => item.metadata?.name)

describe("paged lists", () => {
  it("later pages show objects as they were at the first page, whatever changed, arrived or left since", async () => {
    await seed("snap")
    const first = await c.core.listNamespacedConfigMap({ namespace: "snap", limit: 2 })
    expect(named(first.items)).toEqual(["a", "b"])
    const token = first.metadata!._continue!

    await c.core.patchNamespacedConfigMap({
      namespace: "snap",
      name: "c",
      body: [{ op: "replace", path: "/data/value", value: "c-2" }],
    })
    await c.core.deleteNamespacedConfigMap({ namespace: "snap", name: "d" })
    await c.core.createNamespacedConfigMap({ namespace: "snap", body: configMap("bb", "new") })
    await c.core.createNamespacedConfigMap({ namespace: "snap", body: configMap("z", "new") })

    const second = await c.core.listNamespacedConfigMap({ namespace: "snap", limit: 2, _continue: token })
    expect(named(second.items)).toEqual(["c", "d"])
    expect(second.items[0]?.data?.value).toBe("c-1")
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion)
    expect(second.metadata?.remainingItemCount).toBe(2)
    const third = await c.core.listNamespacedConfigMap({
      namespace: "snap",
      limit: 2,
      _continue: second.metadata!._continue!,
    })
    expect(named(third.items)).toEqual(["e", "kube-root-ca.crt"])
    expect(third.metadata?._continue).toBeUndefined()

    // A new list sees the present.
    const now = await c.core.listNamespacedConfigMap({ namespace: "snap" })
    expect(named(now.items)).toEqual(["a", "b", "bb", "c", "e", "kube-root-ca.crt", "z"])
  })

  it("a continue token older than the kept history, or than a compaction, answers 410 Expired", async () => {
    await seed("old")
    const first = await c.core.listNamespacedConfigMap({ namespace: "old", limit: 2 })
    for (let i = 0; i < 25; i++)
      await c.core.patchNamespacedConfigMap({
        namespace: "old",
        name: "e",
        body: [{ op: "replace", path: "/data/value", value: `e-${i}` }],
      })
    const expired = await failure(
      c.core.listNamespacedConfigMap({ namespace: "old", limit: 2, _continue: first.metadata!._continue! }),
    )
    expect(expired).toMatchObject({ code: 410, reason: "Expired" })
    expect(expired.message).toContain("The provided continue parameter is too old")

    // Compaction forgets the revisions before the newest: one write later, the first page's revision is gone.
    const again = await c.core.listNamespacedConfigMap({ namespace: "old", limit: 2 })
    await c.core.deleteNamespacedConfigMap({ namespace: "old", name: "a" })
    sim.compact()
    const compacted = await failure(
      c.core.listNamespacedConfigMap({ namespace: "old", limit: 2, _continue: again.metadata!._continue! }),
    )
    expect(compacted).toMatchObject({ code: 410, reason: "Expired" })
  })
})
