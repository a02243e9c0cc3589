import { Effect } from "effect"
import { Command } from "effect/cli"
import * as Output from "../Output.ts"
import { jsonFlag, linked } from "../Target.ts"

/** `starform status`: the linked project and environment, each service and the release serving it. */
export const status = Command.make("status", { json: jsonFlag }, ({ json }) =>
  Effect.gen(function* () {
    const { client, link } = yield* linked
    const [project, environment, services] = yield* Effect.all(
      [
        client.projects.getProject({ params: { projectId: link.projectId } }),
        client.projects.getEnvironment({ params: { environmentId: link.environmentId } }),
        client.services.listServices({ params: { environmentId: link.environmentId } }),
      ],
      { concurrency: 3 },
    )
    const withDeployments = yield* Effect.forEach(
      services,
      (service) =>
        Effect.map(
          service.activeDeploymentId === null
            ? Effect.succeed(null)
            : client.deployments.getDeployment({ params: { deploymentId: service.activeDeploymentId } }),
          (activeDeployment) => ({ service, activeDeployment }),
        ),
      { concurrency: 8 },
    )
    const value = { project, environment, services: withDeployments }
    yield* Output.either(json, value, () =>
      Effect.gen(function* () {
        yield* Output.line(`Project ${project.name} · environment ${environment.name}`)
        yield* Output.table(
          ["SERVICE", "TYPE", "SERVING", "STATUS", "REPLICAS", "IMAGE"],
          withDeployments.map(({ service, activeDeployment }) => [
            service.name + (service.id === link.serviceId ? " *" : ""),
            service.type,
            activeDeployment === null ? "-" : `#${activeDeployment.number}`,
            activeDeployment?.status ?? "not deployed",
            activeDeployment?.observed == null
              ? "-"
              : `${activeDeployment.observed.readyReplicas}/${activeDeployment.observed.desiredReplicas}`,
            activeDeployment?.imageRef ?? (service.source.type === "image" ? service.source.imageRef : "-"),
          ]),
        )
      }),
    )
  }),
).pipe(
  Command.withDescription("Show the linked project's services and what each is serving"),
  Command.withExamples([
    { command: "starform status", description: "A table of services" },
    { command: "starform status --json | jq '.services[].activeDeployment.status'", description: "For scripts" },
  ]),
)
