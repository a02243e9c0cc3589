import { Ids } from "@starform/domain"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { exitCodes, fail } from "../Failure.ts"
import * as Output from "../Output.ts"
import * as Target from "../Target.ts"

/**
 * `starform logs --build`: a deployment's build log (the latest deployment unless `--deployment`). `-f` follows it
 * until the build ends; Ctrl-C stops following cleanly. Runtime logs arrive with the telemetry service, same flags.
 */
export const logs = Command.make(
  "logs",
  {
    build: Flag.Boolean("build").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Show the build log (the only kind until runtime logs land)"),
    ),
    deployment: Flag.String("deployment").pipe(
      Flag.withSchema(Ids.DeploymentId),
      Flag.optional,
      Flag.withDescription("The deployment whose build to show (default: the latest)"),
    ),
    follow: Flag.Boolean("follow").pipe(
      Flag.withDefault(false),
      Flag.withAlias("f"),
      Flag.withDescription("Keep printing until the build ends"),
    ),
    service: Target.serviceFlag,
    json: Target.jsonFlag,
  },
  ({ build, deployment, follow, service, json }) =>
    Effect.gen(function* () {
      if (!build) {
        return yield* fail(exitCodes.usage, "Runtime logs are not available yet: use `starform logs --build`.")
      }
      const { client, service: target } = yield* Target.service(service)
      const deploymentId =
        Option.getOrNull(deployment) ??
        (yield* client.deployments.listDeployments({ params: { serviceId: target.id }, query: { limit: 1 } }))[0]?.id
      if (deploymentId === undefined) return yield* fail(exitCodes.notFound, `${target.name} has no deployment yet.`)
      const builds = yield* client.builds.listBuilds({ params: { deploymentId } })
      const last = builds.at(-1)
      if (last === undefined) {
        return yield* Console.error("This deployment has no build (it runs a ready-made image).")
      }
      let after: number | undefined
      for (;;) {
        const page = yield* client.builds.getBuildLogs({
          params: { buildId: last.id },
          query: after === undefined ? {} : { after },
        })
        for (const entry of page.lines) yield* json ? Output.line(JSON.stringify(entry)) : Output.line(entry.line)
        after = page.lines.at(-1)?.seq ?? after
        if (page.complete || (!follow && page.lines.length === 0)) return
        if (page.lines.length === 0) yield* Effect.sleep("1 second")
      }
    }),
).pipe(
  Command.withDescription("Print a deployment's build log"),
  Command.withExamples([
    { command: "starform logs --build", description: "The latest deployment's build log" },
    { command: "starform logs --build -f --deployment dpl_…", description: "Follow one build until it ends" },
  ]),
)
