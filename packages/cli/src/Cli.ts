import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeStdio from "@effect/platform-node/NodeStdio"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Cause, Console, Effect, Exit, Layer } from "effect"
import { Command } from "effect/cli"
import { ApiUrlFlag } from "./Api.ts"
import { deploy } from "./commands/Deploy.ts"
import { deployments } from "./commands/Deployments.ts"
import { environment } from "./commands/Environment.ts"
import { init } from "./commands/Init.ts"
import { link } from "./commands/Link.ts"
import { login } from "./commands/Login.ts"
import { logout } from "./commands/Logout.ts"
import { logs } from "./commands/Logs.ts"
import { open } from "./commands/Open.ts"
import { redeploy } from "./commands/Redeploy.ts"
import { rollback } from "./commands/Rollback.ts"
import { run } from "./commands/Run.ts"
import { service } from "./commands/Service.ts"
import { status } from "./commands/Status.ts"
import { tokens } from "./commands/Tokens.ts"
import { up } from "./commands/Up.ts"
import { variables } from "./commands/Variables.ts"
import { whoami } from "./commands/Whoami.ts"
import { exitCodes, fromError } from "./Failure.ts"
import { version } from "./Version.ts"

/** The `starform` command tree, one file per verb under `commands/`; every failure is one line on stderr and an exit code. */

const starform = Command.make("starform").pipe(
  Command.withDescription("Deploy and manage Starform services from a terminal"),
  Command.withSubcommands([
    login,
    logout,
    whoami,
    init,
    link,
    status,
    up,
    deploy,
    redeploy,
    rollback,
    deployments,
    logs,
    variables,
    service,
    environment,
    tokens,
    run,
    open,
  ]),
  Command.withGlobalFlags([ApiUrlFlag]),
)

let exitCode: number = exitCodes.ok

const program = Command.run(starform, { version }).pipe(
  Effect.catchCause((cause) => {
    if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause)
    const error = Cause.squash(cause)
    // effect/cli has already shown help and the parse error for a bad command line.
    if (typeof error === "object" && error !== null && "_tag" in error && error._tag === "ShowHelp") {
      exitCode = "errors" in error && Array.isArray(error.errors) && error.errors.length > 0 ? exitCodes.usage : 0
      return Effect.void
    }
    const failure = fromError(error)
    exitCode = failure.exitCode
    return Console.error(`error: ${failure.message}`)
  }),
  // What effect/cli needs, module by module: the whole NodeServices bundle costs a third of a second at start.
  Effect.provide(
    Layer.mergeAll(NodeChildProcessSpawner.layer, NodeTerminal.layer, NodeStdio.layer).pipe(
      Layer.provideMerge(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)),
    ),
  ),
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) =>
    onExit(Exit.isSuccess(exit) ? exitCode : Exit.hasInterrupts(exit) ? exitCodes.interrupted : exitCodes.unexpected),
})
