import { Names, Projects } from "@starform/domain"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Files from "../Files.ts"
import * as Output from "../Output.ts"
import * as Target from "../Target.ts"

/** `starform service list|create`: the linked environment's services. */

const list = Command.make("list", { json: Target.jsonFlag }, ({ json }) =>
  Effect.gen(function* () {
    const { client, link } = yield* Target.linked
    const services = yield* client.services.listServices({ params: { environmentId: link.environmentId } })
    yield* Output.either(json, services, (rows) =>
      Output.table(
        ["NAME", "ID", "TYPE", "SOURCE", "PUBLIC"],
        rows.map((s) => [
          s.name + (s.id === link.serviceId ? " *" : ""),
          s.id,
          s.type,
          s.source.type === "image" ? s.source.imageRef : `${s.source.repoFullName}@${s.source.branch}`,
          s.isPublic ? "yes" : "no",
        ]),
      ),
    )
  }),
).pipe(
  Command.withDescription("List the linked environment's services (* marks the linked one)"),
  Command.withExamples([{ command: "starform service list --json", description: "As JSON" }]),
)

const create = Command.make(
  "create",
  {
    name: Flag.String("name").pipe(Flag.withSchema(Names.ServiceName), Flag.withDescription("The service's name")),
    image: Flag.String("image").pipe(Flag.withSchema(Projects.ImageRef), Flag.withDescription("The image it runs")),
    type: Flag.Literals("type", Projects.serviceTypes).pipe(
      Flag.withDefault("web" as const),
      Flag.withDescription("web, worker or cron"),
    ),
    port: Flag.Int("port").pipe(Flag.optional, Flag.withDescription("A web service's port (default 8080)")),
    isPublic: Flag.Boolean("public").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Reachable from the internet (web only)"),
    ),
    json: Target.jsonFlag,
  },
  ({ name, image, type, port, isPublic, json }) =>
    Effect.gen(function* () {
      const { client, link } = yield* Target.linked
      const created = yield* client.services.createService({
        params: { environmentId: link.environmentId },
        payload: {
          name,
          type,
          source: { type: "image", imageRef: image },
          ...(type === "web" ? { port: Option.getOrElse(port, () => 8080), isPublic } : {}),
        },
      })
      // The first service of a folder becomes the one verbs act on.
      if (link.serviceId === null) {
        yield* Files.writeLink(process.cwd(), new Files.Link({ ...link, serviceId: created.id }))
      }
      yield* Output.either(json, created, (s) => Output.line(`Created ${s.type} service ${s.name} (${s.id}).`))
    }),
).pipe(
  Command.withDescription("Create a service from an image in the linked environment"),
  Command.withExamples([
    { command: "starform service create --name web --image nginx:1.27 --port 80 --public", description: "A web" },
  ]),
)

export const service = Command.make("service").pipe(
  Command.withSubcommands([list, create]),
  Command.withDescription("List or create services"),
  Command.withExamples([{ command: "starform service list", description: "The services here" }]),
)
