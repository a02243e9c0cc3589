import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Schema } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { Rpc, RpcGroup, RpcSerialization, RpcServer } from "effect/rpc"
import { ServiceClient } from "../src/index.ts"

/** A contract of one RPC that answers with what it was sent and the `Authorization` header it came with. */
class Missing extends Schema.TaggedError<Missing>()("Missing", { text: Schema.String }) {}
const Echo = Rpc.make("Echo", {
  payload: { text: Schema.String },
  success: Schema.Struct({ text: Schema.String, authorization: Schema.String }),
  error: Missing,
})
const Echoes = RpcGroup.make(Echo)
const path = "/rpc/echo"

const served = HttpRouter.serve(
  RpcServer.layerHttp({ group: Echoes, path, protocol: "http" }).pipe(
    Layer.provide(
      Echoes.toLayer({
        Echo: ({ text }, { headers }) =>
          text === "missing"
            ? Effect.fail(new Missing({ text }))
            : Effect.succeed({ text, authorization: headers.authorization ?? "none" }),
      }),
    ),
    Layer.provide(RpcSerialization.layerJson),
  ),
  { disableLogger: true },
).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 })))

/** The test server's address, without a trailing slash. */
const baseUrl = Effect.map(HttpServer.HttpServer, (server) =>
  HttpServer.formatAddress(server.address).replace(/\/+$/, ""),
)

layer(served)("a client of another service's RPC contract", (it) => {
  it.effect("reaches the contract at url + path with the bearer token, whatever slash the url ends with", () =>
    Effect.gen(function* () {
      const url = `${yield* baseUrl}/`
      const client = yield* ServiceClient.make(Echoes, {
        url,
        path,
        serialization: RpcSerialization.layerJson,
        bearerToken: "cluster-token",
      })
      expect(yield* client.Echo({ text: "hello" })).toEqual({ text: "hello", authorization: "Bearer cluster-token" })
      const anonymous = yield* ServiceClient.make(Echoes, { url, path, serialization: RpcSerialization.layerJson })
      expect((yield* anonymous.Echo({ text: "hello" })).authorization).toBe("none")
    }).pipe(Effect.scoped),
  )

  it.effect("batched calls made together each get their own answer or error", () =>
    Effect.gen(function* () {
      const client = yield* ServiceClient.make(Echoes, {
        url: yield* baseUrl,
        path,
        serialization: RpcSerialization.layerJson,
        batch: ServiceClient.sameTurn,
      })
      const texts = Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? "missing" : `call ${i}`))
      const answers = yield* Effect.all(
        texts.map((text) => Effect.exit(client.Echo({ text }))),
        { concurrency: "unbounded" },
      )
      answers.forEach((answer, i) => {
        if (texts[i] === "missing") expect(Exit.isFailure(answer) && Cause.pretty(answer.cause)).toContain("Missing")
        else expect(Exit.isSuccess(answer) && answer.value.text).toBe(texts[i])
      })
    }).pipe(Effect.scoped),
  )

  it.effect("with orDie, a service that does not answer is a defect naming it; its own errors stay errors", () =>
    Effect.gen(function* () {
      const call = ServiceClient.orDie("echo")
      const down = yield* ServiceClient.make(Echoes, {
        url: "http://127.0.0.1:1",
        path,
        serialization: RpcSerialization.layerJson,
      })
      const exit = yield* Effect.exit(call(down.Echo({ text: "hello" })))
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(defect).toBeInstanceOf(ServiceClient.ServiceUnavailable)
      expect(defect).toMatchObject({
        service: "echo",
        message: expect.stringContaining("the echo service did not answer"),
      })

      const up = yield* ServiceClient.make(Echoes, {
        url: yield* baseUrl,
        path,
        serialization: RpcSerialization.layerJson,
      })
      const missing = yield* Effect.flip(call(up.Echo({ text: "missing" })))
      expect(missing).toBeInstanceOf(Missing)
    }).pipe(Effect.scoped),
  )
})
