import { Effect } from "effect"
import { Command } from "effect/cli"
import { exitCodes, fail } from "../Failure.ts"
import * as Follow from "../Follow.ts"
import * as Target from "../Target.ts"

/** `starform redeploy`: the serving release again, with the service's current variables and configuration. */
export const redeploy = Command.make(
  "redeploy",
  { service: Target.serviceFlag, detach: Follow.detachFlag, json: Target.jsonFlag },
  ({ service, detach, json }) =>
    Effect.gen(function* () {
      const { client, service: target } = yield* Target.service(service)
      const latest =
        target.activeDeploymentId ??
        (yield* client.deployments.listDeployments({ params: { serviceId: target.id }, query: {} }))[0]?.id
      if (latest === undefined) {
        return yield* fail(exitCodes.notFound, `${target.name} has no deployment to redeploy: deploy it first.`)
      }
      const deployment = yield* client.deployments.redeployDeployment({ params: { deploymentId: latest } })
      yield* Follow.report(client, deployment, { json, detach })
    }),
).pipe(
  Command.withDescription("Deploy the serving release again (picks up changed variables)"),
  Command.withExamples([{ command: "starform redeploy --service web", description: "Restart web with new variables" }]),
)
