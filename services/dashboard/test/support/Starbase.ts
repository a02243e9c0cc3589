import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { TestDatabase } from "@starform/testkit"
import { Effect, Exit, Scope } from "effect"

/**
 * A whole Starbase for browser tests, started the way `npm start` starts it (`services/starbase/src/main.ts`, so
 * it builds the dashboard when its sources changed): on a fresh database of the machine's PostgreSQL, with
 * kube-sim as the cluster, on free ports. `stop` presses Ctrl-C, waits for the exit, then drops the database.
 */

const repoRoot = fileURLToPath(new URL("../../../..", import.meta.url))

export interface RunningStarbase {
  /** The gateway, e.g. `http://127.0.0.1:41234`: the API under `/v1`, the dashboard at `/`. */
  readonly url: string
  /** The control-plane database, for what a test reads through its own access (the email outbox). */
  readonly databaseUrl: string
  readonly output: () => string
  readonly stop: () => Promise<void>
}

export const start = async (): Promise<RunningStarbase> => {
  const scope = Effect.runSync(Scope.make())
  const database = await Effect.runPromise(Scope.provide(TestDatabase.empty, scope))
  const home = mkdtempSync(join(tmpdir(), "starform-dashboard-"))
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, "services/starbase/src/main.ts")], {
    cwd: repoRoot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/root",
      DATABASE_URL: database.url,
      STARFORM_HOME: home,
      PORT: "0",
    },
  })
  let output = ""
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Starbase did not start in 120 s:\n${output}`)), 120_000)
    const collect = (chunk: Buffer) => {
      output += chunk.toString("utf8")
      const found = output.match(/dashboard at (http:\/\/\S+?)\/?\n/)
      if (found?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(found[1])
      }
    }
    child.stdout?.on("data", collect)
    child.stderr?.on("data", collect)
    child.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`Starbase exited (${code}) before it listened:\n${output}`))
    })
  })
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, "SIGINT")
      await exited
    }
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(home, { recursive: true, force: true })
  }
  return { url, databaseUrl: database.url, output: () => output, stop }
}
