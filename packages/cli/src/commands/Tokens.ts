import { Ids } from "@starform/domain"
import { Effect } from "effect"
import { Argument, Command } from "effect/cli"
import * as Output from "../Output.ts"
import * as Target from "../Target.ts"

/** `starform tokens`: the linked workspace's API tokens (never their secrets), and `revoke`. */
const list = Command.make("tokens", { json: Target.jsonFlag }, ({ json }) =>
  Effect.gen(function* () {
    const { client, link } = yield* Target.linked
    const tokens = yield* client.access.listTokens({ params: { workspaceId: link.workspaceId } })
    yield* Output.either(json, tokens, (rows) =>
      Output.table(
        ["NAME", "ID", "PREFIX", "SCOPES", "PROJECT", "STATE"],
        rows.map((t) => [
          t.name,
          t.id,
          t.tokenPrefix,
          t.scopes.join(","),
          t.projectId ?? "all",
          t.revokedAt === null ? "active" : "revoked",
        ]),
      ),
    )
  }),
)

const revoke = Command.make(
  "revoke",
  { token: Argument.String("token-id").pipe(Argument.withSchema(Ids.ApiTokenId)) },
  ({ token }) =>
    Effect.gen(function* () {
      const { client } = yield* Target.linked
      yield* client.access.revokeToken({ params: { tokenId: token } })
      yield* Output.line(`Revoked ${token}: it stops working at once.`)
    }),
).pipe(
  Command.withDescription("Revoke an API token"),
  Command.withExamples([{ command: "starform tokens revoke tok_…", description: "Revoke one token" }]),
)

export const tokens = list.pipe(
  Command.withSubcommands([revoke]),
  Command.withDescription("List the workspace's API tokens (create them in the dashboard: the secret is shown once)"),
  Command.withExamples([{ command: "starform tokens --json", description: "As JSON" }]),
)
