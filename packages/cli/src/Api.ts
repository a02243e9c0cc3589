import { PublicApi } from "@starform/domain"
import { Effect, Option } from "effect"
import { Flag, GlobalFlag } from "effect/cli"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { exitCodes, fail } from "./Failure.ts"
import * as Files from "./Files.ts"
import { version } from "./Version.ts"

/**
 * The CLI's only way to Starform: the client derived from the gateway's `HttpApi` contract in `packages/domain`.
 * Where it points: `--api-url`, else `STARFORM_API_URL`, else the gateway the stored credentials are for, else a
 * local Starbase. Who it is: `STARFORM_TOKEN` (an API token, for CI), else the stored session, refreshed when its
 * access token is about to expire.
 */

export type Client = HttpApiClient.ForApi<typeof PublicApi.Api>

export const defaultApiUrl = "http://127.0.0.1:8080"

/** `--api-url <url>` on every verb. */
export const ApiUrlFlag = GlobalFlag.Setting("api-url")({
  flag: Flag.String("api-url").pipe(
    Flag.optional,
    Flag.withDescription("The Starform API to talk to (default: STARFORM_API_URL, then the one you logged in to)"),
  ),
})

const userAgent = `starform-cli/${version}`

export const apiUrl = Effect.gen(function* () {
  const flag = yield* ApiUrlFlag
  if (Option.isSome(flag)) return flag.value.replace(/\/$/, "")
  const fromEnv = process.env.STARFORM_API_URL
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv.replace(/\/$/, "")
  const stored = yield* Files.readCredentials
  return stored?.apiUrl ?? defaultApiUrl
})

const clientFor = (baseUrl: string, token: string | null) =>
  HttpApiClient.make(PublicApi.Api, {
    baseUrl,
    transformClient: HttpClient.mapRequest((request) => {
      const named = HttpClientRequest.setHeader(request, "user-agent", userAgent)
      return token === null ? named : HttpClientRequest.bearerToken(named, token)
    }),
  }).pipe(Effect.provide(FetchHttpClient.layer))

/** A client that sends no credentials: sign-in calls. */
export const anonymous = Effect.flatMap(apiUrl, (url) =>
  Effect.map(clientFor(url, null), (client) => ({ client, url })),
)

const notSignedIn = fail(
  exitCodes.unauthenticated,
  "Not signed in: run `starform login` (or set STARFORM_TOKEN to an API token).",
)

/** Refresh this long before the access token expires, so it does not die in flight. */
const refreshMargin = 30_000

/** A client acting as the signed-in person or `STARFORM_TOKEN`; `session` is the stored session, if that is who. */
export const signedIn = Effect.gen(function* () {
  const url = yield* apiUrl
  const envToken = process.env.STARFORM_TOKEN
  if (envToken !== undefined && envToken !== "") {
    return { client: yield* clientFor(url, envToken), url, session: null }
  }
  const stored = yield* Files.readCredentials
  if (stored === null || stored.apiUrl !== url) return yield* notSignedIn
  if (stored.accessTokenExpiresAt - refreshMargin > Date.now()) {
    return { client: yield* clientFor(url, stored.accessToken), url, session: stored }
  }
  const renewed = yield* Effect.flatMap(clientFor(url, null), (client) =>
    client.auth.refresh({ payload: { refreshToken: stored.refreshToken } }),
  ).pipe(
    Effect.catchTag("Unauthenticated", () =>
      Effect.andThen(
        Files.removeCredentials,
        Effect.fail(fail(exitCodes.unauthenticated, "The session has ended: run `starform login` again.")),
      ),
    ),
  )
  const session = new Files.Credentials({
    apiUrl: url,
    accessToken: renewed.accessToken,
    accessTokenExpiresAt: Date.now() + renewed.expiresIn * 1000,
    refreshToken: renewed.refreshToken,
    sessionId: renewed.sessionId,
  })
  yield* Files.writeCredentials(session)
  return { client: yield* clientFor(url, session.accessToken), url, session }
})
