import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url))

export interface Started {
  readonly child: ChildProcess
  readonly output: () => string
  /** Resolves with the first match of `pattern` in the combined output, or rejects on exit or timeout. */
  readonly waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>
}

/**
 * Runs a command from the repository root in a process group of its own, as a terminal would, so a test can
 * press Ctrl-C on it (`interrupt`). Only the listed variables are passed: no DATABASE_URL or key leaks in.
 */
export const run = (command: string, args: ReadonlyArray<string>, env: Record<string, string>): Started => {
  const child = spawn(command, args, {
    cwd: repoRoot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env },
  })
  let output = ""
  const listeners = new Set<() => void>()
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8")
    for (const listener of listeners) listener()
  }
  child.stdout!.on("data", collect)
  child.stderr!.on("data", collect)
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => {
      resolve(code ?? signal ?? "unknown")
      for (const listener of listeners) listener()
    }),
  )
  const waitFor = (pattern: RegExp, timeoutMs = 90_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(check)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output so far:\n${output}`))
      }, timeoutMs)
      const check = () => {
        const match = output.match(pattern)
        if (match) {
          clearTimeout(timer)
          listeners.delete(check)
          resolve(match)
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer)
          listeners.delete(check)
          reject(new Error(`exited (${child.exitCode ?? child.signalCode}) before ${pattern}; output:\n${output}`))
        }
      }
      listeners.add(check)
      check()
    })
  return { child, output: () => output, waitFor, exited }
}

/** Ctrl-C: SIGINT to the whole process group. */
export const interrupt = (started: Started) => {
  const { pid, exitCode, signalCode } = started.child
  if (pid === undefined || exitCode !== null || signalCode !== null) return
  try {
    process.kill(-pid, "SIGINT")
  } catch {
    // the group ended between the check and the signal
  }
}

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
