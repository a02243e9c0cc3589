import { Names } from "@starform/domain"
import { Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { exitCodes, fail } from "../Failure.ts"
import * as Output from "../Output.ts"
import * as Target from "../Target.ts"

/** `starform variables`: list (masked), `--reveal`, `set K=V…`, `delete K…`, `--kv` for `eval`. */

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`

const list = Command.make(
  "variables",
  {
    service: Target.serviceFlag,
    json: Target.jsonFlag,
    reveal: Flag.Boolean("reveal").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Show the values (needs variable.reveal; audited)"),
    ),
    kv: Flag.Boolean("kv").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Print KEY=value lines, shell-quoted, for `eval`"),
    ),
  },
  ({ service, json, reveal, kv }) =>
    Effect.gen(function* () {
      const { client, service: target } = yield* Target.service(service)
      const masked = yield* client.variables.listServiceVariables({ params: { serviceId: target.id } })
      const values =
        reveal || kv
          ? yield* Effect.forEach(
              masked,
              (variable) =>
                client.variables.revealServiceVariable({ params: { serviceId: target.id, key: variable.key } }),
              { concurrency: 8 },
            )
          : masked.map((variable) => ({ key: variable.key, value: variable.value }))
      if (kv) return yield* Output.line(values.map((v) => `${v.key}=${quote(v.value)}`).join("\n"))
      yield* Output.either(json, reveal ? values : masked, () =>
        Output.table(
          ["KEY", "VALUE"],
          values.map((v) => [v.key, v.value]),
        ),
      )
    }),
)

const pair = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s

const set = Command.make(
  "set",
  {
    pairs: Argument.String("KEY=VALUE").pipe(
      Argument.variadic({ min: 1 }),
      Argument.withDescription("Variables to set"),
    ),
    service: Target.serviceFlag,
  },
  ({ pairs, service }) =>
    Effect.gen(function* () {
      const variables: Record<string, string> = {}
      for (const text of pairs) {
        const match = pair.exec(text)
        if (match === null) return yield* fail(exitCodes.usage, `${text} is not KEY=VALUE.`)
        variables[match[1] ?? ""] = match[2] ?? ""
      }
      const { client, service: target } = yield* Target.service(service)
      yield* client.variables.setServiceVariables({ params: { serviceId: target.id }, payload: { variables } })
      yield* Output.line(
        `Set ${Object.keys(variables).join(", ")} on ${target.name} (takes effect at the next deploy).`,
      )
    }),
).pipe(
  Command.withDescription("Set variables (created or replaced); `starform redeploy` applies them"),
  Command.withExamples([{ command: "starform variables set PORT=8080 'GREETING=hello world'", description: "Two" }]),
)

const remove = Command.make(
  "delete",
  {
    keys: Argument.String("KEY").pipe(
      Argument.withSchema(Names.VariableKey),
      Argument.variadic({ min: 1 }),
      Argument.withDescription("Variables to delete"),
    ),
    service: Target.serviceFlag,
  },
  ({ keys, service }) =>
    Effect.gen(function* () {
      const { client, service: target } = yield* Target.service(service)
      for (const key of keys) {
        yield* client.variables.deleteServiceVariable({ params: { serviceId: target.id, key } })
      }
      yield* Output.line(`Deleted ${keys.join(", ")} from ${target.name}.`)
    }),
).pipe(
  Command.withDescription("Delete variables"),
  Command.withExamples([{ command: "starform variables delete OLD_KEY", description: "One variable" }]),
)

export const variables = list.pipe(
  Command.withSubcommands([set, remove]),
  Command.withDescription("List the service's variables (masked unless --reveal)"),
  Command.withExamples([
    { command: "starform variables", description: "Masked" },
    { command: 'eval "$(starform variables --kv)"', description: "Into this shell" },
  ]),
)
