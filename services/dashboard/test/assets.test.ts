import { existsSync, readdirSync, readFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { Assets } from "../node/index.ts"

describe("the dashboard's production build", () => {
  it("is made once per version of its sources, as static files with hashed names", async () => {
    const first = await Assets.ensureBuilt()
    expect(basename(first.directory)).toBe(Assets.sourcesHash())
    const again = await Assets.ensureBuilt()
    expect(again).toEqual({ directory: first.directory, built: false })

    const html = readFileSync(join(first.directory, "index.html"), "utf8")
    const scripts = [...html.matchAll(/src="\/assets\/([^"]+)"/g)].map((m) => m[1])
    expect(scripts.length).toBeGreaterThan(0)
    for (const script of scripts) {
      expect(script).toMatch(/^[\w-]+-[\w-]{8}\.js$/)
      expect(existsSync(join(first.directory, "assets", script ?? ""))).toBe(true)
    }
    // Only the current build is kept.
    expect(readdirSync(dirname(first.directory)).filter((entry) => !entry.startsWith("."))).toEqual([
      basename(first.directory),
    ])
  }, 120_000)
})
