import { Effect } from "effect"
import { Command } from "effect/cli"
import * as Api from "../Api.ts"
import * as Output from "../Output.ts"
import { jsonFlag } from "../Target.ts"

/** `starform whoami`: the signed-in person, or the API token's workspace. */
export const whoami = Command.make("whoami", { json: jsonFlag }, ({ json }) =>
  Effect.gen(function* () {
    const { client, url } = yield* Api.signedIn
    if (process.env.STARFORM_TOKEN) {
      const workspaces = yield* client.workspaces.listWorkspaces()
      return yield* Output.either(json, { kind: "api_token", apiUrl: url, workspaces }, (value) =>
        Output.line(`An API token (STARFORM_TOKEN) of ${value.workspaces.map((w) => w.name).join(", ")} on ${url}`),
      )
    }
    const me = yield* client.me.getMe()
    return yield* Output.either(json, me, (user) =>
      Output.line(`${user.email}${user.name === null ? "" : ` (${user.name})`} on ${url}`),
    )
  }),
).pipe(
  Command.withDescription("Show who the CLI is signed in as"),
  Command.withExamples([{ command: "starform whoami --json", description: "The account as JSON" }]),
)
