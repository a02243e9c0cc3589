import { Names } from "@starform/domain"
import { Effect } from "effect"
import { Argument, Command } from "effect/cli"
import { exitCodes, fail } from "../Failure.ts"
import * as Files from "../Files.ts"
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

const name = Argument.String("name").pipe(
  Argument.withSchema(Names.EnvironmentName),
  Argument.withDescription("The environment's name (a lower-case label of at most 30 characters)"),
)

/** `starform environment new <name>`: a new environment of the linked project, and the folder linked to it. */
const create = Command.make("new", { name, json: Target.jsonFlag }, ({ name, json }) =>
  Effect.gen(function* () {
    const { client, link } = yield* Target.linked
    const created = yield* client.projects.createEnvironment({
      params: { projectId: link.projectId },
      payload: { name },
    })
    yield* Files.writeLink(process.cwd(), new Files.Link({ ...link, environmentId: created.id, serviceId: null }))
    yield* Output.either(json, created, (e) =>
      Output.line(`Created environment ${e.name}; this folder is linked to it.`),
    )
  }),
).pipe(
  Command.withDescription("Create an environment in the linked project and link this folder to it"),
  Command.withExamples([{ command: "starform environment new staging", description: "A staging environment" }]),
)

/** `starform environment link <name>`: points the folder at another environment of the same project. */
const relink = Command.make("link", { name: Argument.String("name") }, ({ name }) =>
  Effect.gen(function* () {
    const { client, link } = yield* Target.linked
    const environments = yield* client.projects.listEnvironments({ params: { projectId: link.projectId } })
    const found = environments.find((e) => e.name === name || e.id === name)
    if (found === undefined) {
      const known = environments.map((e) => e.name).join(", ")
      return yield* fail(exitCodes.notFound, `No environment named ${name} in this project (environments: ${known}).`)
    }
    yield* Files.writeLink(process.cwd(), new Files.Link({ ...link, environmentId: found.id, serviceId: null }))
    yield* Output.line(`This folder is now linked to ${found.name}.`)
  }),
).pipe(
  Command.withDescription("Link this folder to another environment of the project"),
  Command.withExamples([{ command: "starform environment link production", description: "Back to production" }]),
)

export const environment = Command.make("environment").pipe(
  Command.withSubcommands([list, create, relink]),
  Command.withDescription("List, create or switch the project's environments"),
  Command.withExamples([{ command: "starform environment list", description: "The environments" }]),
)
