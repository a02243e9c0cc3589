import { Effect } from "effect"
import { Command, Flag } from "effect/cli"
import * as Follow from "../Follow.ts"
import * as Target from "../Target.ts"

/** `starform deploy --image`: a new deployment of the service from an image (recorded with the trigger `cli`). */
export const deploy = Command.make(
  "deploy",
  {
    image: Flag.String("image").pipe(
      Flag.withAlias("i"),
      Flag.withDescription("The image to run, e.g. ghcr.io/acme/web:1.4.2"),
    ),
    service: Target.serviceFlag,
    detach: Follow.detachFlag,
    json: Target.jsonFlag,
  },
  ({ image, service, detach, json }) =>
    Effect.gen(function* () {
      const { client, service: target } = yield* Target.service(service)
      const deployment = yield* client.deployments.createDeployment({
        params: { serviceId: target.id },
        payload: { imageRef: image },
        headers: {},
      })
      yield* Follow.report(client, deployment, { json, detach })
    }),
).pipe(
  Command.withDescription("Deploy an image to the service and wait until it is active"),
  Command.withExamples([
    { command: "starform deploy --image nginx:1.27 --service web", description: "Deploy and wait" },
    { command: "starform deploy -i nginx:1.27 --detach --json", description: "Print the deployment and return" },
  ]),
)
