import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Api from "../Api.ts"
import { exitCodes, fail } from "../Failure.ts"
import * as Files from "../Files.ts"
import { chooseWorkspace, workspaceFlag } from "./Init.ts"

/** `starform link`: binds this folder to a workspace's project, environment and (optionally) service. */
export const link = Command.make(
  "link",
  {
    project: Flag.String("project").pipe(Flag.withAlias("p"), Flag.withDescription("The project by name or id")),
    environment: Flag.String("environment").pipe(
      Flag.withAlias("e"),
      Flag.optional,
      Flag.withDescription("The environment by name or id (default: production, else the first)"),
    ),
    service: Flag.String("service").pipe(
      Flag.withAlias("s"),
      Flag.optional,
      Flag.withDescription("The service commands act on by default"),
    ),
    workspace: workspaceFlag,
  },
  ({ project, environment, service, workspace }) =>
    Effect.gen(function* () {
      const { client } = yield* Api.signedIn
      const chosen = yield* chooseWorkspace(client, workspace)
      const projects = yield* client.projects.listProjects({ params: { workspaceId: chosen.id } })
      const foundProject = projects.find((p) => p.name === project || p.id === project)
      if (foundProject === undefined) {
        return yield* fail(exitCodes.notFound, `No project named ${project} in ${chosen.name}.`)
      }
      const environments = yield* client.projects.listEnvironments({ params: { projectId: foundProject.id } })
      const wanted = Option.getOrNull(environment)
      const foundEnvironment =
        wanted === null
          ? (environments.find((e) => e.name === "production") ?? environments[0])
          : environments.find((e) => e.name === wanted || e.id === wanted)
      if (foundEnvironment === undefined) {
        return yield* fail(
          exitCodes.notFound,
          `No environment named ${wanted ?? "production"} in ${foundProject.name}.`,
        )
      }
      let serviceId: Files.Link["serviceId"] = null
      if (Option.isSome(service)) {
        const services = yield* client.services.listServices({ params: { environmentId: foundEnvironment.id } })
        const foundService = services.find((s) => s.name === service.value || s.id === service.value)
        if (foundService === undefined) {
          return yield* fail(exitCodes.notFound, `No service named ${service.value} in ${foundEnvironment.name}.`)
        }
        serviceId = foundService.id
      }
      yield* Files.writeLink(
        process.cwd(),
        new Files.Link({
          workspaceId: chosen.id,
          projectId: foundProject.id,
          environmentId: foundEnvironment.id,
          serviceId,
        }),
      )
      yield* Console.log(`Linked this folder to ${foundProject.name} (${foundEnvironment.name}).`)
    }),
).pipe(
  Command.withDescription("Link this folder to an existing project, environment and service"),
  Command.withExamples([
    { command: "starform link --project my-app --service web", description: "Link to my-app's production web" },
  ]),
)
