import { Effect } from "effect"
import { Command } from "effect/cli"
import * as Output from "../Output.ts"
import * as Target from "../Target.ts"

/** `starform deployments`: the service's release history, newest first. */
export const deployments = Command.make(
  "deployments",
  { service: Target.serviceFlag, json: Target.jsonFlag },
  ({ service, json }) =>
    Effect.gen(function* () {
      const { client, service: target } = yield* Target.service(service)
      const history = yield* client.deployments.listDeployments({ params: { serviceId: target.id }, query: {} })
      yield* Output.either(json, history, (rows) =>
        Output.table(
          ["#", "ID", "STATUS", "TRIGGER", "IMAGE", "CREATED"],
          rows.map((d) => [
            String(d.number),
            d.id,
            d.status,
            d.trigger,
            d.imageRef ?? d.commitSha?.slice(0, 7) ?? "-",
            d.createdAt,
          ]),
        ),
      )
    }),
).pipe(
  Command.withDescription("List the service's deployments, newest first"),
  Command.withExamples([{ command: "starform deployments --json", description: "The history as JSON" }]),
)
