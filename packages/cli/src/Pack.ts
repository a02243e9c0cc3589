import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { createReadStream, createWriteStream } from "node:fs"
import { lstat, readdir, readFile, rm } from "node:fs/promises"
import { join } from "node:path"
import { createGzip } from "node:zlib"
import { Effect } from "effect"
import { exitCodes, fail } from "./Failure.ts"
import * as Ignore from "./Ignore.ts"
import * as Tar from "./Tar.ts"

/**
 * `starform up`'s packing: the folder's files — Git's own list inside a work tree (`git ls-files --cached --others
 * --exclude-standard`), else a walk applying each folder's `.gitignore` — minus the root's `.starformignore`, written
 * as a gzipped tar to a temporary file. Past the limit it stops, deletes the file and refuses with the sizes and the
 * largest paths: nothing is sent.
 */

export interface FileEntry {
  readonly path: string
  readonly size: number
  readonly executable: boolean
}

export interface Packed {
  readonly file: string
  readonly sizeBytes: number
  readonly sha256: string
  readonly files: number
}

const readText = (path: string) => readFile(path, "utf8").catch(() => "")

/** The files Git would commit here (tracked, and untracked ones not ignored), or null outside a work tree. */
const gitFiles = (root: string): Promise<ReadonlyArray<string> | null> =>
  new Promise((resolve) => {
    execFile(
      "git",
      ["ls-files", "--cached", "--others", "--exclude-standard", "-z"],
      { cwd: root, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout) => resolve(error === null ? stdout.split("\0").filter((p) => p !== "") : null),
    )
  })

/** Every file under `root` not ignored by its folders' `.gitignore` (never `.git`). */
const walk = async (root: string): Promise<ReadonlyArray<string>> => {
  const found: Array<string> = []
  const visit = async (folder: string, rules: ReadonlyArray<Ignore.Rule>) => {
    const here = [...rules, ...Ignore.parse(await readText(join(root, folder, ".gitignore")), folder)]
    const entries = await readdir(join(root, folder), { withFileTypes: true })
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = folder === "" ? entry.name : `${folder}/${entry.name}`
      if (entry.name === ".git") continue
      if (entry.isDirectory()) {
        if (!Ignore.ignores(here, path, true)) await visit(path, here)
      } else if (!Ignore.ignores(here, path, false)) found.push(path)
    }
  }
  await visit("", [])
  return found
}

/** The files `up` packs, sorted, with their sizes (symbolic links and other special files are left out). */
export const list = async (root: string): Promise<ReadonlyArray<FileEntry>> => {
  const paths = (await gitFiles(root)) ?? (await walk(root))
  const extra = Ignore.parse(await readText(join(root, ".starformignore")), "")
  const entries: Array<FileEntry> = []
  for (const path of [...paths].sort()) {
    if (Ignore.ignoresWithin(extra, path)) continue
    const info = await lstat(join(root, path)).catch(() => null)
    if (info === null || !info.isFile()) continue
    entries.push({ path, size: info.size, executable: (info.mode & 0o111) !== 0 })
  }
  return entries
}

class TooLarge extends Error {}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/** The refusal for a folder over the limit: the sizes and the largest paths, so the person knows what to ignore. */
export const tooLargeMessage = (packedAtLeast: number, limit: number, entries: ReadonlyArray<FileEntry>) => {
  const largest = [...entries]
    .sort((a, b) => b.size - a.size)
    .slice(0, 5)
    .map((e) => `${e.path} (${mib(e.size)})`)
    .join(", ")
  return `The folder packs to more than ${mib(packedAtLeast)} (${packedAtLeast} bytes), over the limit of ${mib(limit)} (${limit} bytes); nothing was uploaded. Largest files: ${largest}. Leave some out with .starformignore.`
}

/** Packs `entries` of `root` into `file`, gzipped; refuses (exit 6, file deleted) once past `limit` bytes. */
export const pack = (root: string, entries: ReadonlyArray<FileEntry>, file: string, limit: number) =>
  Effect.tryPromise({
    try: () =>
      new Promise<Packed>((resolve, reject) => {
        const gzip = createGzip({ level: 6 })
        const out = createWriteStream(file, { mode: 0o600 })
        const hash = createHash("sha256")
        let size = 0
        gzip.on("data", (chunk: Buffer) => {
          size += chunk.length
          if (size > limit) {
            gzip.destroy(new TooLarge())
            return
          }
          hash.update(chunk)
          out.write(chunk)
        })
        gzip.on("error", reject)
        gzip.on("end", () =>
          out.end(() => resolve({ file, sizeBytes: size, sha256: hash.digest("hex"), files: entries.length })),
        )
        const write = (chunk: Buffer) =>
          gzip.write(chunk) ? Promise.resolve() : new Promise<void>((ok) => gzip.once("drain", () => ok()))
        ;(async () => {
          for (const entry of entries) {
            if (gzip.destroyed) return
            await write(Tar.fileHeader(entry.path, entry.size, entry.executable))
            let written = 0
            for await (const chunk of createReadStream(join(root, entry.path), { end: Math.max(0, entry.size - 1) })) {
              if (gzip.destroyed) return
              const bytes = chunk as Buffer
              // a file that grew while packing keeps the size its header promised
              const take = bytes.subarray(0, Math.max(0, entry.size - written))
              written += take.length
              if (take.length > 0) await write(take)
              if (entry.size === 0) break
            }
            if (written < entry.size) await write(Buffer.alloc(entry.size - written))
            await write(Tar.padding(entry.size))
          }
          gzip.end(Tar.end())
        })().catch(reject)
      }),
    catch: (error) => error,
  }).pipe(
    Effect.tapError(() => Effect.promise(() => rm(file, { force: true }))),
    Effect.catch((error) =>
      Effect.fail(
        error instanceof TooLarge
          ? fail(exitCodes.rejected, tooLargeMessage(limit, limit, entries))
          : fail(
              exitCodes.unexpected,
              `Could not pack the folder: ${error instanceof Error ? error.message : String(error)}`,
            ),
      ),
    ),
  )
