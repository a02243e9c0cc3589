import { NodeRuntime } from "@effect/platform-node"
import { Tracing } from "@starform/tracing"
import { Cause, Console, Effect, Exit, Option } from "effect"
import * as Starbase from "./Starbase.ts"

/**
 * A start-up failure a person can fix (a missing key, an unreachable database) is printed as its message alone;
 * anything else is a bug and is printed whole.
 */
const report = (cause: Cause.Cause<{ readonly message: string }>) =>
  Cause.hasInterruptsOnly(cause)
    ? Effect.void
    : Option.match(Cause.findErrorOption(cause), {
        onSome: (error) => Console.error(`starform: cannot start: ${explain(error)}`),
        onNone: () => Console.error(Cause.pretty(cause)),
      })

/** The error's message followed by those of its causes (a connection refused, an address in use), each once. */
const explain = (error: unknown): string => {
  const messages: Array<string> = []
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    const message = current.message.trim()
    if (message !== "" && !messages.some((seen) => seen.includes(message))) messages.push(message)
  }
  return messages.join(": ") || String(error)
}

// Ctrl-C interrupts the program; once every finalizer has run that is a clean stop, so the exit code is 0.
// Spans (every Effect.fn of every service in this process) go to OTEL_EXPORTER_OTLP_ENDPOINT when it is set.
const traced = Starbase.run.pipe(Effect.provide(Tracing.layer("starbase", (line) => Console.log(`starform: ${line}`))))

NodeRuntime.runMain(traced.pipe(Effect.tapCause(report)), {
  disableErrorReporting: true,
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1),
})
