// `npm start`, `npm test` and `npm run migrate` come through here on whatever Node the machine has
// (20 or later). It brings the pinned pnpm, installs the workspace when its manifests changed, and
// hands over to `pnpm run <script>`, whose scripts run on the workspace's own Node 24 (the `node`
// devDependency is first on their PATH).
import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { delimiter, dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterFrozenInstall } from "./installPolicy.mjs"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const [script, ...args] = process.argv.slice(2)
if (!script) {
  console.error("usage: node scripts/bootstrap.mjs <package script> [args...]")
  process.exit(2)
}

const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const pnpmVersion = manifest.packageManager.replace(/^pnpm@/, "")
const toolsDir = join(root, ".starform", "tools", `pnpm-${pnpmVersion}`)
const pnpmEntry = join(toolsDir, "node_modules", "pnpm", "bin", "pnpm.mjs")

let heldLock
const run = (command, commandArgs, what) => {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: "inherit" })
  if (result.status !== 0) {
    if (heldLock) rmSync(heldLock, { force: true, recursive: true })
    console.error(`starform: ${what} failed (exit ${result.status ?? result.signal})`)
    process.exit(result.status || 1)
  }
}

if (!existsSync(pnpmEntry)) {
  console.error(`starform: installing pnpm ${pnpmVersion} into .starform/tools`)
  mkdirSync(toolsDir, { recursive: true })
  writeFileSync(join(toolsDir, "package.json"), '{ "private": true }\n')
  run(
    "npm",
    [
      "install",
      "--prefix",
      toolsDir,
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      `pnpm@${pnpmVersion}`,
    ],
    "installing pnpm",
  )
}

/**
 * Installs exactly what pnpm-lock.yaml records. A lockfile that has fallen behind the manifests (a package.json
 * committed without its lockfile change) fails the run in CI (`CI` set); on a developer's machine it is resolved
 * afresh and said loudly, so the lockfile can be committed (see installPolicy.mjs).
 */
const install = () => {
  const frozen = spawnSync(process.execPath, [pnpmEntry, "install", "--frozen-lockfile"], {
    cwd: root,
    stdio: ["inherit", "inherit", "pipe"],
    encoding: "utf8",
  })
  const next = afterFrozenInstall({ status: frozen.status, stderr: frozen.stderr, env: process.env })
  if (next.kind === "done") return
  process.stderr.write(frozen.stderr ?? "")
  if (next.kind === "fail") {
    if (heldLock) rmSync(heldLock, { force: true, recursive: true })
    console.error(next.message)
    process.exit(frozen.status || 1)
  }
  console.error(next.warning)
  run(process.execPath, [pnpmEntry, "install", "--no-frozen-lockfile"], "pnpm install")
}

// The install is redone only when a manifest or the lockfile changed since the last one.
const manifests = () => {
  const files = ["package.json", "pnpm-workspace.yaml", "pnpm-lock.yaml"]
  for (const group of ["packages", "services"]) {
    const dir = join(root, group)
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir).sort()) files.push(join(group, name, "package.json"))
  }
  files.push(join("shuttle", "package.json"))
  const hash = createHash("sha256")
  for (const file of files) {
    const path = join(root, file)
    hash.update(file)
    hash.update(existsSync(path) ? readFileSync(path) : "-")
  }
  return hash.digest("hex")
}
const stampFile = join(root, "node_modules", ".starform-install")
const wanted = manifests()
const current = () => existsSync(stampFile) && readFileSync(stampFile, "utf8") === wanted
if (!current()) {
  // Two commands started at once must not install over each other: the second waits, then finds it done.
  const lock = join(root, ".starform", "install.lock")
  mkdirSync(dirname(lock), { recursive: true })
  for (;;) {
    try {
      mkdirSync(lock)
      heldLock = lock
      break
    } catch (error) {
      if (error.code !== "EEXIST") throw error
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 10 * 60_000)
        rmSync(lock, { force: true, recursive: true })
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250)
    }
  }
  try {
    if (!current()) install()
    writeFileSync(stampFile, wanted)
  } finally {
    rmSync(lock, { force: true, recursive: true })
    heldLock = undefined
  }
}

// The script runs as `pnpm run` would run it (node_modules/.bin first on the PATH, so `node` is the workspace's
// Node 24), in a process group of its own: every signal this process gets is passed to that whole group once,
// and this process exits with the script's own exit code.
const command = manifest.scripts?.[script]
if (!command) {
  console.error(`starform: package.json has no script "${script}"`)
  process.exit(2)
}
const quote = (arg) => `'${arg.replaceAll("'", "'\\''")}'`
const bin = join(root, "node_modules", ".bin")
// A simple command replaces the shell (`exec`), so the exit code and signal are the program's own.
const simple = !/[;&|]/.test(command)
const child = spawn(`${simple ? "exec " : ""}${[command, ...args.map(quote)].join(" ")}`, {
  cwd: root,
  stdio: "inherit",
  shell: true,
  detached: true,
  env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` },
})
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    try {
      process.kill(-child.pid, signal)
    } catch {
      // the group has already exited
    }
  })
}
child.on("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" ? 130 : 1)))
