#!/usr/bin/env node
import module from "node:module"
import { version } from "./Version.ts"

/**
 * `starform`'s entry point. `--version` answers before anything else loads (scripts call it to probe for the CLI, and
 * loading the API contract takes most of a start); everything else runs the command tree in `Cli.ts`.
 */
const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  process.stdout.write(`starform v${version}\n`)
} else {
  // Node keeps the compiled (and type-stripped) modules between runs: the second start on is about twice as fast.
  module.enableCompileCache?.()
  await import("./Cli.ts")
}
