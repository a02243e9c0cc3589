import { NodeRuntime } from "@effect/platform-node"
import { Cause, Exit } from "effect"
import * as Starbase from "./Starbase.ts"

// Ctrl-C interrupts the program; once every finalizer has run that is a clean stop, so the exit code is 0.
NodeRuntime.runMain(Starbase.run, {
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1),
})
