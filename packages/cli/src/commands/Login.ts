import { spawn } from "node:child_process"
import { hostname } from "node:os"
import { Console, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import * as Api from "../Api.ts"
import { exitCodes, fail } from "../Failure.ts"
import * as Files from "../Files.ts"

/** `starform login`: device-code sign-in (RFC 8628); the session is stored in the config folder with mode 0600. */

const openBrowser = (url: string) =>
  Effect.sync(() => {
    const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open"
    try {
      const child = spawn(opener, [url], { stdio: "ignore", detached: true })
      child.on("error", () => {})
      child.unref()
    } catch {
      // No browser here: the URL is printed anyway.
    }
  })

const pollUntilApproved = (client: Api.Client, deviceCode: string, firstInterval: number) =>
  Effect.gen(function* () {
    let interval = firstInterval
    for (;;) {
      yield* Effect.sleep(`${interval} seconds`)
      const outcome = yield* client.device.deviceToken({ payload: { device_code: deviceCode } }).pipe(
        Effect.map((tokens) => ({ _tag: "tokens" as const, tokens })),
        Effect.catchTag("DeviceTokenError", (error) => Effect.succeed({ _tag: "error" as const, error })),
        Effect.catchTag("RateLimited", (limited) =>
          Effect.succeed({ _tag: "limited" as const, seconds: limited.retryAfterSeconds }),
        ),
      )
      if (outcome._tag === "tokens") return outcome.tokens
      if (outcome._tag === "limited") {
        // Too many polls from this address (other devices behind it too): wait as long as the gateway asks.
        yield* Effect.sleep(`${Math.max(0, outcome.seconds - interval)} seconds`)
        continue
      }
      switch (outcome.error.error) {
        case "authorization_pending":
          continue
        case "slow_down":
          interval = outcome.error.interval ?? interval + 5
          continue
        case "access_denied":
          return yield* fail(exitCodes.failed, "The sign-in was refused in the browser.")
        case "expired_token":
          return yield* fail(exitCodes.failed, "The code expired before it was approved: run `starform login` again.")
        case "invalid_grant":
          return yield* fail(exitCodes.failed, outcome.error.error_description)
      }
    }
  })

export const login = Command.make(
  "login",
  {
    browserless: Flag.Boolean("browserless").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Do not open a browser: print the URL and the code to enter on any device"),
    ),
  },
  ({ browserless }) =>
    Effect.gen(function* () {
      const { client, url } = yield* Api.anonymous
      const started = yield* client.device.deviceCode({
        payload: { client_name: `starform CLI on ${hostname().slice(0, 40)}` },
      })
      yield* Console.log(`Your code: ${started.user_code}`)
      yield* Console.log(`Open ${started.verification_uri} and enter it, or go straight to:`)
      yield* Console.log(`  ${started.verification_uri_complete}`)
      if (!browserless) yield* openBrowser(started.verification_uri_complete)
      yield* Console.log("Waiting for approval… (Ctrl-C to stop)")
      const tokens = yield* pollUntilApproved(client, started.device_code, started.interval)
      yield* Files.writeCredentials(
        new Files.Credentials({
          apiUrl: url,
          accessToken: tokens.accessToken,
          accessTokenExpiresAt: Date.now() + tokens.expiresIn * 1000,
          refreshToken: tokens.refreshToken,
          sessionId: tokens.sessionId,
        }),
      )
      const signed = yield* Api.signedIn
      const me = yield* signed.client.me.getMe()
      yield* Console.log(`Signed in as ${me.email}. Credentials are in ${Files.credentialsPath()}.`)
    }),
).pipe(
  Command.withDescription("Sign in with a code you approve in the browser (device-code flow)"),
  Command.withExamples([
    { command: "starform login", description: "Open the browser to approve this device" },
    { command: "starform login --browserless", description: "Print the URL and code (SSH sessions, containers)" },
  ]),
)
