import { randomBytes } from "node:crypto"
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { FieldCrypto } from "@starform/crypto"
import { Auth, IdentityAuthApi, IdentityRpc } from "@starform/domain"
import { IdentityConfig, IdentityServer } from "@starform/identity"
import { TestDatabase } from "@starform/testkit"
import { Context, Effect, Layer, Predicate, Schema } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { RpcClient, type RpcClientError } from "effect/rpc"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * The identity service on a free port with a database of the test's own, and an RPC client of it — the same
 * contract the gateway calls.
 */
export class Identity extends Context.Service<
  Identity,
  RpcClient.FromGroup<typeof IdentityRpc.IdentityRpcs, RpcClientError.RpcClientError>
>()("test/Identity") {}

const client = Layer.effect(Identity, RpcClient.make(IdentityRpc.IdentityRpcs)).pipe(
  Layer.provide(
    Layer.unwrap(
      Effect.map(HttpServer.HttpServer, (server) =>
        RpcClient.layerProtocolHttp({
          url: `${HttpServer.formatAddress(server.address).replace(/\/$/, "")}${IdentityServer.rpcPath}`,
        }),
      ),
    ),
  ),
  Layer.provide(IdentityRpc.serialization),
  Layer.provide(NodeHttpClient.layerUndici),
)

/** The error a call failed with; a transport failure is a test failure, not an answer. */
export const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flip(effect).pipe(
    Effect.flatMap((error) =>
      Predicate.isTagged(error, "RpcClientError") ? Effect.die(error) : Effect.succeed(error),
    ),
  ) as Effect.Effect<Exclude<E, RpcClientError.RpcClientError>, never, R>

export const layer = (config: Partial<IdentityConfig["Service"]> = {}) =>
  client.pipe(
    Layer.provideMerge(HttpRouter.serve(IdentityServer.routes, { disableListenLog: true, disableLogger: true })),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provide(IdentityConfig.layer(config)),
    Layer.provide(FieldCrypto.layerFromKeys(randomBytes(32))),
    Layer.provideMerge(TestDatabase.layer),
  )

export const clientInfo = new IdentityRpc.ClientInfo({ ip: "203.0.113.7", userAgent: "vitest" })

export const password = "correct horse battery staple"
let counter = 0
export const email = (stem = "person") => `${stem}-${Date.now().toString(36)}-${counter++}@example.com`

/** The actor the gateway would make of a signed-in person's access token. */
export const actorOf = (signedIn: IdentityAuthApi.SignedIn) =>
  new Auth.Actor({
    kind: "user",
    id: signedIn.user.id,
    userId: signedIn.user.id,
    sessionId: signedIn.tokens.sessionId,
    tokenId: null,
    scope: null,
    permissions: null,
  })

/** A new person, signed in. */
export const signup = (name = "Grace Hopper") =>
  Effect.gen(function* () {
    const identity = yield* Identity
    const address = email()
    const request = Schema.decodeUnknownSync(IdentityAuthApi.SignupRequest)({ email: address, password, name })
    const signedIn = yield* identity.Signup({ request, client: clientInfo })
    return { email: address, ...signedIn, actor: actorOf(signedIn) }
  })

/** The newest outbox email to `to` (the test reads what an email integration would send). */
export const lastEmail = (to: string, template: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ subject: string; body: string }>`SELECT subject, body FROM email_outbox
      WHERE to_address = ${to} AND template = ${template} ORDER BY created_at DESC LIMIT 1`
    const row = rows[0]
    if (row === undefined) throw new Error(`no ${template} email to ${to}`)
    const token = /token=([^\s&]+)/.exec(row.body)?.[1]
    return { ...row, token: token === undefined ? undefined : decodeURIComponent(token) }
  })

/** Verifies a person's address as they would: with the token of the verification email they were sent. */
export const verify = (person: { readonly email: string }) =>
  Effect.gen(function* () {
    const identity = yield* Identity
    const { token } = yield* lastEmail(person.email, "verify_email")
    if (token === undefined) throw new Error(`the verification email to ${person.email} has no link`)
    yield* identity.VerifyEmail({ token })
  })
