import { spawn } from "node:child_process"
import { Effect } from "effect"
import { Argument, Command } from "effect/cli"
import { exitCodes, fail } from "../Failure.ts"
import * as Target from "../Target.ts"

/**
 * `starform run <cmd…>`: runs a local command with the service's variables in its environment (revealed values,
 * so it needs `variable.reveal`). Exits with the command's own exit code.
 */
export const run = Command.make(
  "run",
  {
    command: Argument.String("command").pipe(
      Argument.variadic({ min: 1 }),
      Argument.withDescription("The command and its arguments (put them after --)"),
    ),
    service: Target.serviceFlag,
  },
  ({ command, service }) =>
    Effect.gen(function* () {
      const { client, service: target } = yield* Target.service(service)
      const masked = yield* client.variables.listServiceVariables({ params: { serviceId: target.id } })
      const revealed = yield* Effect.forEach(
        masked,
        (v) => client.variables.revealServiceVariable({ params: { serviceId: target.id, key: v.key } }),
        { concurrency: 8 },
      )
      const env = { ...process.env, ...Object.fromEntries(revealed.map((v) => [v.key, v.value])) }
      const [program, ...args] = command
      const code = yield* Effect.callback<number, ReturnType<typeof fail>>((resume) => {
        const child = spawn(program ?? "", args, { stdio: "inherit", env })
        child.on("error", (error) =>
          resume(Effect.fail(fail(exitCodes.usage, `cannot run ${program}: ${error.message}`))),
        )
        child.on("exit", (exit, signal) => resume(Effect.succeed(exit ?? (signal === null ? 1 : 128))))
        return Effect.sync(() => child.kill("SIGINT"))
      })
      if (code !== 0) process.exitCode = code
    }),
).pipe(
  Command.withDescription("Run a local command with the service's variables"),
  Command.withExamples([{ command: "starform run -- npm run migrate", description: "Migrations against its DB" }]),
)
