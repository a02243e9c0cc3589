import { Ids } from "@starform/domain"
import { Effect, Option } from "effect"
import { Argument, Command } from "effect/cli"
import { exitCodes, fail } from "../Failure.ts"
import * as Follow from "../Follow.ts"
import * as Target from "../Target.ts"

/** `starform rollback [deployment]`: serve an earlier release again (its image and configuration; no build). */
export const rollback = Command.make(
  "rollback",
  {
    deployment: Argument.String("deployment").pipe(
      Argument.withSchema(Ids.DeploymentId),
      Argument.optional,
      Argument.withDescription("The deployment to go back to (default: the one before the serving one)"),
    ),
    service: Target.serviceFlag,
    detach: Follow.detachFlag,
    json: Target.jsonFlag,
  },
  ({ deployment, service, detach, json }) =>
    Effect.gen(function* () {
      const { client, service: target } = yield* Target.service(service)
      let chosen = Option.getOrNull(deployment)
      if (chosen === null) {
        const history = yield* client.deployments.listDeployments({ params: { serviceId: target.id }, query: {} })
        const serving = history.find((d) => d.id === target.activeDeploymentId)
        const earlier = history.find(
          (d) =>
            serving !== undefined &&
            d.number < serving.number &&
            (d.status === "superseded" || d.finishedAt !== null) &&
            d.status !== "failed" &&
            d.status !== "cancelled",
        )
        if (earlier === undefined) {
          return yield* fail(exitCodes.notFound, `${target.name} has no earlier release to roll back to.`)
        }
        chosen = earlier.id
      }
      const created = yield* client.deployments.rollbackDeployment({ params: { deploymentId: chosen } })
      yield* Follow.report(client, created, { json, detach })
    }),
).pipe(
  Command.withDescription("Roll the service back to an earlier release"),
  Command.withExamples([
    { command: "starform rollback", description: "Back to the release before the serving one" },
    { command: "starform rollback dpl_0123456789abcdefghijklmn", description: "Back to that deployment" },
  ]),
)
