import { randomBytes } from "node:crypto"
import { FieldCrypto } from "@starform/crypto"
import type { IdentityConfig, MailSettings } from "@starform/identity"
import { ControlPlane } from "@starform/starbase"
import { Fixtures, Mailbox } from "@starform/testkit"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/** Whole-gateway tests: Starbase on free ports, requests through real HTTP (`fetch`). */

export interface Options {
  readonly redisUrl?: string
  readonly identity?: Partial<IdentityConfig["Service"]>
  /** Rate-limit budgets to set (`rate_limit_budgets`) before the gateway reads them, e.g. roomier sign-ups. */
  readonly budgets?: Record<string, { readonly capacity: number; readonly refillPerMinute: number }>
  /** Send identity's email outbox (e.g. to a `FakeSmtp` server); unset, mail stays queued. */
  readonly mail?: MailSettings
}

/**
 * Starbase on the test's database (`SqlClient`), as `npm start` runs it: every service on a free port, the gateway in
 * front. Routes other services add are served too, so whole-API tests cover them.
 */
export const start = (options: Options = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    for (const [name, budget] of Object.entries(options.budgets ?? {})) {
      yield* sql`INSERT INTO rate_limit_budgets ${sql.insert({ name, ...budget })}
        ON CONFLICT (name) DO UPDATE SET capacity = EXCLUDED.capacity, refill_per_minute = EXCLUDED.refill_per_minute`.pipe(
        Effect.orDie,
      )
    }
    const running = yield* ControlPlane.start({
      host: "127.0.0.1",
      port: 0,
      identityPort: 0,
      redisUrl: options.redisUrl,
      identity: options.identity,
      mail: options.mail,
      logRequests: false,
    }).pipe(Effect.provide(FieldCrypto.layerFromKeys(randomBytes(32))))
    return { baseUrl: running.gatewayUrl, identityUrl: running.identityUrl }
  })

export interface Reply {
  readonly status: number
  readonly headers: Headers
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are asserted on by shape
  readonly body: any
}

/** One HTTP request to the gateway; a JSON body in, the status, headers and parsed body out. */
export const request = (
  baseUrl: string,
  method: string,
  path: string,
  options: { readonly token?: string; readonly body?: unknown; readonly headers?: Record<string, string> } = {},
) =>
  Effect.promise(async (): Promise<Reply> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
    const text = await response.text()
    let body: unknown = text
    try {
      body = text === "" ? undefined : JSON.parse(text)
    } catch {}
    return { status: response.status, headers: response.headers, body }
  })

/** A client bound to one gateway. */
export const client = (baseUrl: string) => ({
  get: (path: string, token?: string) => request(baseUrl, "GET", path, token === undefined ? {} : { token }),
  post: (path: string, body?: unknown, token?: string) =>
    request(baseUrl, "POST", path, {
      ...(body === undefined ? {} : { body }),
      ...(token === undefined ? {} : { token }),
    }),
  patch: (path: string, body: unknown, token?: string) =>
    request(baseUrl, "PATCH", path, { body, ...(token === undefined ? {} : { token }) }),
  put: (path: string, body: unknown, token?: string) =>
    request(baseUrl, "PUT", path, { body, ...(token === undefined ? {} : { token }) }),
  delete: (path: string, token?: string, body?: unknown) =>
    request(baseUrl, "DELETE", path, {
      ...(token === undefined ? {} : { token }),
      ...(body === undefined ? {} : { body }),
    }),
})

export type Client = ReturnType<typeof client>

let counter = 0
/** A fresh address, so tests in one database never collide. */
export const email = (stem = "person") => `${stem}-${Date.now().toString(36)}-${counter++}@example.com`

export const password = "correct horse battery staple"

/**
 * Signs a new person up and verifies their address with the emailed link, as they would before deploying; their
 * user, access token and refresh token.
 */
export const signup = (api: Client, name = "Ada Lovelace") =>
  Effect.gen(function* () {
    const person = yield* signupUnverified(api, name)
    const { token } = yield* Mailbox.lastLink(person.email, "verify_email")
    const verified = yield* api.post("/v1/auth/verify-email", { token })
    if (verified.status >= 300) throw new Error(`verifying failed: ${verified.status} ${JSON.stringify(verified.body)}`)
    return person
  })

/** Signs a new person up without verifying their address (they cannot deploy yet). */
export const signupUnverified = (api: Client, name = "Ada Lovelace") =>
  Effect.gen(function* () {
    const address = email()
    const reply = yield* api.post("/v1/auth/signup", { email: address, password, name })
    if (reply.status !== 201) throw new Error(`signup failed: ${reply.status} ${JSON.stringify(reply.body)}`)
    return {
      email: address,
      userId: reply.body.user.id as string,
      token: reply.body.tokens.accessToken as string,
      refreshToken: reply.body.tokens.refreshToken as string,
      sessionId: reply.body.tokens.sessionId as string,
    }
  })

/** A workspace created by `token`'s person, who owns it. */
export const workspace = (api: Client, token: string, name = "Acme") =>
  Effect.gen(function* () {
    const reply = yield* api.post("/v1/workspaces", { name }, token)
    if (reply.status !== 201) throw new Error(`workspace failed: ${reply.status} ${JSON.stringify(reply.body)}`)
    return reply.body.id as string
  })

/**
 * A worker from an image in a new workspace of `owner`'s, on a cluster, and an API token of that workspace that may
 * deploy it: what a test of deploying through the API starts from.
 */
export const deployableWorker = (api: Client, owner: { readonly token: string }) =>
  Effect.gen(function* () {
    const workspaceId = yield* workspace(api, owner.token)
    const project = yield* Fixtures.project({ workspaceId })
    const cluster = yield* Fixtures.cluster()
    const environment = yield* Fixtures.environment({ projectId: project.id, clusterId: cluster.id })
    const service = yield* Fixtures.service({
      projectId: project.id,
      environmentId: environment.id,
      type: "worker",
      sourceType: "image",
      imageRef: "ghcr.io/acme/worker:1",
      repoFullName: null,
      branch: null,
    })
    const token = yield* api.post(
      `/v1/workspaces/${workspaceId}/tokens`,
      { name: "ci", scopes: ["deploy"] },
      owner.token,
    )
    if (token.status !== 201) throw new Error(`creating a deploy token failed: ${token.status}`)
    return { workspaceId, service, tokenSecret: token.body.secret as string }
  })
