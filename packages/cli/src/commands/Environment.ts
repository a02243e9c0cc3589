import { Effect } from "effect"
import { Command } from "effect/cli"
import * as Output from "../Output.ts"
import * as Target from "../Target.ts"

/** `starform environment list`: the linked project's environments (* marks the linked one). */
const list = Command.make("list", { json: Target.jsonFlag }, ({ json }) =>
  Effect.gen(function* () {
    const { client, link } = yield* Target.linked
    const environments = yield* client.projects.listEnvironments({ params: { projectId: link.projectId } })
    yield* Output.either(json, environments, (rows) =>
      Output.table(
        ["NAME", "ID", "BRANCH", "PREVIEW"],
        rows.map((e) => [
          e.name + (e.id === link.environmentId ? " *" : ""),
          e.id,
          e.gitBranch ?? "-",
          e.isEphemeral ? "yes" : "no",
        ]),
      ),
    )
  }),
).pipe(
  Command.withDescription("List the linked project's environments"),
  Command.withExamples([{ command: "starform environment list --json", description: "As JSON" }]),
)

export const environment = Command.make("environment").pipe(
  Command.withSubcommands([list]),
  Command.withDescription("Work with the project's environments"),
  Command.withExamples([{ command: "starform environment list", description: "The environments" }]),
)
