import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as Ignore from "../src/Ignore.ts"
import * as Pack from "../src/Pack.ts"

/** `starform up`'s packing, without a server: what is left out, and that the archive is one `tar` reads back. */

const folder = (files: Record<string, string | Buffer>) => {
  const root = mkdtempSync(join(tmpdir(), "starform-pack-"))
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return root
}

describe("ignore rules", () => {
  it("follow Git: unanchored names match at any depth, a slash anchors, ! brings back, a trailing / means folders", () => {
    const rules = Ignore.parse("# deps\nnode_modules/\n*.log\n!keep.log\n/build\ndocs/**/*.tmp\n", "")
    expect(Ignore.ignoresWithin(rules, "node_modules/a/index.js")).toBe(true)
    expect(Ignore.ignoresWithin(rules, "packages/x/node_modules/y.js")).toBe(true)
    expect(Ignore.ignoresWithin(rules, "node_modules")).toBe(false) // a file of that name is not a folder
    expect(Ignore.ignoresWithin(rules, "logs/app.log")).toBe(true)
    expect(Ignore.ignoresWithin(rules, "keep.log")).toBe(false)
    expect(Ignore.ignoresWithin(rules, "build/out.js")).toBe(true)
    expect(Ignore.ignoresWithin(rules, "src/build/out.js")).toBe(false)
    expect(Ignore.ignoresWithin(rules, "docs/a/b/c.tmp")).toBe(true)
    expect(Ignore.ignoresWithin(rules, "src/index.js")).toBe(false)
  })
})

describe("packing a folder", () => {
  it.effect(
    "leaves out what .gitignore and .starformignore name, and tar reads back every other file byte for byte",
    () =>
      Effect.gen(function* () {
        const longPath = `src/${"deep/".repeat(25)}module.js`
        const root = folder({
          "package.json": '{"name":"app"}',
          "index.js": "console.log('hi')\n",
          ".gitignore": "node_modules/\n",
          ".starformignore": "secrets.txt\n",
          "secrets.txt": "do not ship",
          "node_modules/left-pad/index.js": "module.exports = 1",
          "lib/.gitignore": "*.tmp\n",
          "lib/a.tmp": "x",
          "lib/a.js": "a",
          [longPath]: "long",
        })
        const entries = yield* Effect.promise(() => Pack.list(root))
        expect(entries.map((e) => e.path)).toEqual(
          [".gitignore", ".starformignore", "index.js", "lib/.gitignore", "lib/a.js", "package.json", longPath].sort(),
        )
        const out = join(mkdtempSync(join(tmpdir(), "starform-out-")), "source.tar.gz")
        const packed = yield* Pack.pack(root, entries, out, 1024 * 1024)
        expect(packed.sizeBytes).toBe(readFileSync(out).length)
        const listed = execFileSync("tar", ["-tzf", out], { encoding: "utf8" }).trim().split("\n").sort()
        expect(listed).toEqual(entries.map((e) => e.path))
        const target = mkdtempSync(join(tmpdir(), "starform-unpacked-"))
        execFileSync("tar", ["-xzf", out, "-C", target])
        expect(readFileSync(join(target, longPath), "utf8")).toBe("long")
        expect(readFileSync(join(target, "index.js"), "utf8")).toBe("console.log('hi')\n")
        // the same folder packs to the same bytes
        const again = yield* Pack.pack(root, entries, `${out}.2`, 1024 * 1024)
        expect(again.sha256).toBe(packed.sha256)
      }),
  )

  it.effect("stops past the limit, deletes what it wrote, and names the sizes and the largest files", () =>
    Effect.gen(function* () {
      const root = folder({ "video.bin": randomBytes(256 * 1024), "index.js": "x" })
      const entries = yield* Effect.promise(() => Pack.list(root))
      const out = join(mkdtempSync(join(tmpdir(), "starform-out-")), "source.tar.gz")
      const exit = yield* Effect.exit(Pack.pack(root, entries, out, 64 * 1024))
      expect(Exit.isFailure(exit)).toBe(true)
      const message = JSON.stringify(exit)
      expect(message).toContain("over the limit of 0.1 MiB (65536 bytes)")
      expect(message).toContain("video.bin (0.3 MiB)")
      expect(() => readFileSync(out)).toThrow()
    }),
  )
})
