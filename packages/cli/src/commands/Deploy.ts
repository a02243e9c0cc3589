import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Follow from "../Follow.ts"
import * as Target from "../Target.ts"

/**
 * `starform deploy [--image]`: a new deployment of the service (recorded with the trigger `cli`): of that image, or
 * of the service's own source (its image, or its branch's head, which is built first).
 */
export const deploy = Command.make(
  "deploy",
  {
    image: Flag.String("image").pipe(
      Flag.withAlias("i"),
      Flag.optional,
      Flag.withDescription("The image to run, e.g. ghcr.io/acme/web:1.4.2 (default: the service's own source)"),
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
        payload: Option.match(image, { onNone: () => ({}), onSome: (imageRef) => ({ imageRef }) }),
        headers: {},
      })
      yield* Follow.report(client, deployment, { json, detach })
    }),
).pipe(
  Command.withDescription("Deploy the service (an image, or its source) and wait until it is active"),
  Command.withExamples([
    { command: "starform deploy --image nginx:1.27 --service web", description: "Deploy and wait" },
    { command: "starform deploy -i nginx:1.27 --detach --json", description: "Print the deployment and return" },
    { command: "starform deploy", description: "Build and deploy the branch's head (a repository service)" },
  ]),
)
