import { type IdentityAuthApi, PublicApi } from "@starform/domain"
import { Effect, Exit, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { HttpApiClient } from "effect/http-api"

/**
 * The signed-in session: the access token (15 minutes) and the refresh token that renews it, kept in
 * `localStorage` so a reload or a deep link stays signed in. A request renews the access token first when it is
 * about to expire; a refused refresh (revoked, reused) signs the browser out.
 */

const storageKey = "starform.session"

const Stored = Schema.Struct({
  accessToken: Schema.String,
  refreshToken: Schema.String,
  /** Epoch milliseconds. */
  expiresAt: Schema.Number,
})
type Stored = typeof Stored.Type

const decodeStored = Schema.decodeUnknownOption(Schema.fromJsonString(Stored))

const read = (): Stored | undefined => {
  const raw = localStorage.getItem(storageKey)
  if (raw === null) return undefined
  const decoded = decodeStored(raw)
  return decoded._tag === "Some" ? decoded.value : undefined
}

let current = read()
const listeners = new Set<() => void>()

const write = (next: Stored | undefined) => {
  current = next
  if (next === undefined) localStorage.removeItem(storageKey)
  else localStorage.setItem(storageKey, JSON.stringify(next))
  for (const listener of listeners) listener()
}

export const subscribe = (listener: () => void) => {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export const isSignedIn = () => current !== undefined

/** Keeps the tokens of a new sign-in. */
export const start = (tokens: IdentityAuthApi.TokenPair) =>
  write({
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: Date.now() + tokens.expiresIn * 1000,
  })

export const clear = () => write(undefined)

/** A client without the session, for the refresh call itself. */
const bare = HttpApiClient.make(PublicApi.Api, { baseUrl: location.origin }).pipe(Effect.provide(FetchHttpClient.layer))

let renewing: Promise<string | undefined> | undefined

const renew = (stored: Stored): Promise<string | undefined> =>
  Effect.runPromiseExit(
    bare.pipe(Effect.flatMap((client) => client.auth.refresh({ payload: { refreshToken: stored.refreshToken } }))),
  ).then((exit) => {
    if (Exit.isSuccess(exit)) {
      start(exit.value)
      return exit.value.accessToken
    }
    clear()
    return undefined
  })

/** The access token to send, renewed first when it expires within 30 seconds; undefined when signed out. */
export const accessToken: Effect.Effect<string | undefined> = Effect.promise(() => {
  const stored = current
  if (stored === undefined) return Promise.resolve(undefined)
  if (stored.expiresAt - Date.now() > 30_000) return Promise.resolve(stored.accessToken)
  renewing ??= renew(stored).finally(() => {
    renewing = undefined
  })
  return renewing
})
