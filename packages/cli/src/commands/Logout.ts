import { Console, Effect } from "effect"
import { Command } from "effect/cli"
import * as Api from "../Api.ts"
import { exitCodes, fail } from "../Failure.ts"
import * as Files from "../Files.ts"

/** `starform logout`: revokes the session on the server, then forgets it here. */
export const logout = Command.make("logout", {}, () =>
  Effect.gen(function* () {
    if (process.env.STARFORM_TOKEN) {
      return yield* fail(
        exitCodes.usage,
        "STARFORM_TOKEN is set: unset it (API tokens are revoked with `starform tokens revoke <id>`).",
      )
    }
    const stored = yield* Files.readCredentials
    if (stored === null) return yield* Console.log("Not signed in.")
    const signed = yield* Api.signedIn.pipe(Effect.catchTag("CliFailure", () => Effect.succeed(null)))
    if (signed !== null) yield* signed.client.me.logout()
    yield* Files.removeCredentials
    yield* Console.log("Signed out: the session is revoked.")
  }),
).pipe(
  Command.withDescription("Sign out: revoke this session and delete the stored credentials"),
  Command.withExamples([{ command: "starform logout", description: "Sign out of the current gateway" }]),
)
