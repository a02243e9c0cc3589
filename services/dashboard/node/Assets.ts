import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "vite"

/**
 * The dashboard's production build: static files with hashed names, made by Vite from `src/`. A build lives in
 * `dist/<hash of its sources>/`, so a start only builds when a source changed (the app's own files, this build
 * configuration, or the domain package the typed client is derived from), works offline, and two starts at once
 * never see each other's half-written files: each builds into a private folder and renames it into place.
 */

export const root = fileURLToPath(new URL("..", import.meta.url))
const domainSources = fileURLToPath(new URL("../../../packages/domain/src", import.meta.url))
const distRoot = join(root, "dist")

const walk = (directory: string): Array<string> =>
  readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? walk(join(directory, entry.name)) : [join(directory, entry.name)]))
    .sort()

/** What a build is made from; a change to any of these makes a new build. */
const sources = () => [
  join(root, "index.html"),
  join(root, "package.json"),
  fileURLToPath(import.meta.url),
  ...walk(join(root, "src")),
  ...walk(domainSources),
]

/** A short hash of the sources' paths and contents. */
export const sourcesHash = (): string => {
  const hash = createHash("sha256")
  for (const path of sources()) {
    hash.update(relative(root, path))
    hash.update("\0")
    hash.update(readFileSync(path))
    hash.update("\0")
  }
  return hash.digest("hex").slice(0, 16)
}

/** Vite's settings for the dashboard (no config file: this is the one place they live). */
export const viteConfig = (outDir: string) => ({
  root,
  configFile: false as const,
  logLevel: "silent" as const,
  base: "/",
  resolve: { alias: { "node:crypto": join(root, "src/shims/crypto.ts") } },
  build: { outDir, emptyOutDir: true, sourcemap: false, reportCompressedSize: false },
})

export interface Built {
  /** The folder to serve. */
  readonly directory: string
  /** Whether this call built it (false: an earlier build of the same sources was there). */
  readonly built: boolean
}

/** The build of the current sources, made now when there is none yet. Older builds are removed. */
export const ensureBuilt = async (): Promise<Built> => {
  const hash = sourcesHash()
  const directory = join(distRoot, hash)
  if (existsSync(join(directory, "index.html"))) return { directory, built: false }
  mkdirSync(distRoot, { recursive: true })
  const scratch = join(distRoot, `.building-${process.pid}-${Date.now()}`)
  try {
    await build(viteConfig(scratch))
    try {
      renameSync(scratch, directory)
    } catch (cause) {
      // Another start finished the same build first: theirs is identical.
      if (!existsSync(join(directory, "index.html"))) throw cause
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  for (const entry of readdirSync(distRoot)) {
    if (entry !== hash && !entry.startsWith(".building-"))
      rmSync(join(distRoot, entry), { recursive: true, force: true })
  }
  return { directory, built: true }
}
