import { Names } from "@starform/domain"
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Api from "../Api.ts"
import { exitCodes, fail } from "../Failure.ts"
import * as Files from "../Files.ts"
import * as Output from "../Output.ts"
import { jsonFlag } from "../Target.ts"

/** The workspace `--workspace` names (id, slug or name), else the person's only one. */
export const chooseWorkspace = (client: Api.Client, named: Option.Option<string>) =>
  Effect.gen(function* () {
    const workspaces = yield* client.workspaces.listWorkspaces()
    const wanted = Option.getOrNull(named)
    const found =
      wanted === null
        ? workspaces.length === 1
          ? workspaces[0]
          : undefined
        : workspaces.find((w) => w.id === wanted || w.slug === wanted || w.name === wanted)
    if (found !== undefined) return found
    if (wanted !== null) return yield* fail(exitCodes.notFound, `No workspace named ${wanted} is yours.`)
    return yield* fail(
      exitCodes.usage,
      workspaces.length === 0
        ? "You have no workspace yet: create one in the dashboard first."
        : `Name the workspace with --workspace (one of: ${workspaces.map((w) => w.slug).join(", ")}).`,
    )
  })

export const workspaceFlag = Flag.String("workspace").pipe(
  Flag.withAlias("w"),
  Flag.optional,
  Flag.withDescription("The workspace by id, slug or name (default: your only one)"),
)

/** `starform init <name>`: creates a project and links this folder to its first environment. */
export const init = Command.make(
  "init",
  {
    name: Argument.String("name").pipe(
      Argument.withSchema(Names.ProjectName),
      Argument.withDescription("The new project's name (a-z, 0-9, '-')"),
    ),
    workspace: workspaceFlag,
    json: jsonFlag,
  },
  ({ name, workspace, json }) =>
    Effect.gen(function* () {
      const existing = yield* Files.findLink(process.cwd())
      if (existing !== null) {
        return yield* fail(exitCodes.usage, "This folder is already linked to a project: see `starform status`.")
      }
      const { client } = yield* Api.signedIn
      const chosen = yield* chooseWorkspace(client, workspace)
      const project = yield* client.projects.createProject({ params: { workspaceId: chosen.id }, payload: { name } })
      const environments = yield* client.projects.listEnvironments({ params: { projectId: project.id } })
      const environment = environments[0]
      if (environment === undefined) return yield* fail(exitCodes.unexpected, "The new project has no environment.")
      yield* Files.writeLink(
        process.cwd(),
        new Files.Link({
          workspaceId: chosen.id,
          projectId: project.id,
          environmentId: environment.id,
          serviceId: null,
        }),
      )
      yield* Output.either(json, { project, environment }, () =>
        Console.log(
          `Created project ${project.name} in ${chosen.name}; this folder is linked to its ${environment.name} environment (${Files.linkFileName}).`,
        ),
      )
    }),
).pipe(
  Command.withDescription("Create a project and link this folder to it"),
  Command.withExamples([{ command: "starform init my-app", description: "A project named my-app in your workspace" }]),
)
