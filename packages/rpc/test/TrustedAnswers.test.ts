import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Cause, DateTime, Effect, Exit, Layer, Schema } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { Rpc, RpcGroup, RpcSerialization, RpcServer } from "effect/rpc"
import { ServiceClient, TrustedAnswers } from "../src/index.ts"

/**
 * The service answers with its own contract; the client holds a stricter copy of it (the same RPC names), so an
 * answer the client would refuse when it checks shows whether it checked.
 */
class Missing extends Schema.TaggedError<Missing>()("Missing", { text: Schema.String }) {}
class Stamp extends Schema.Class<Stamp>("Stamp")({ text: Schema.String, at: Schema.DateTimeUtcFromString }) {}

const served = RpcGroup.make(
  Rpc.make("Echo", {
    payload: { text: Schema.String },
    success: Schema.Struct({ text: Schema.String }),
    error: Missing,
  }),
  Rpc.make("Stamp", { payload: { text: Schema.String }, success: Stamp }),
)
const long = Schema.String.check(Schema.isMinLength(10))
const strict = RpcGroup.make(
  Rpc.make("Echo", { payload: { text: Schema.String }, success: Schema.Struct({ text: long }), error: Missing }),
  Rpc.make("Stamp", { payload: { text: Schema.String }, success: Stamp }),
)
const path = "/rpc/trusted"

/** A service that vouches for its answers, with a stricter contract than its own handler keeps to. */
const Shout = Rpc.make("Shout", { payload: { text: long }, success: Schema.Struct({ text: long }) })
const vouched = RpcGroup.make(Shout)
const loose = RpcGroup.make(Rpc.make("Shout", { payload: { text: Schema.String }, success: Schema.Unknown }))
const vouchedPath = "/rpc/vouched"

const server = HttpRouter.serve(
  Layer.mergeAll(
    RpcServer.layerHttp({ group: served, path, protocol: "http" }).pipe(
      Layer.provide(
        served.toLayer({
          Echo: ({ text }) => (text === "missing" ? Effect.fail(new Missing({ text })) : Effect.succeed({ text })),
          Stamp: ({ text }) => Effect.succeed(new Stamp({ text, at: DateTime.makeUnsafe("2026-01-02T03:04:05.000Z") })),
        }),
      ),
      Layer.provide(RpcSerialization.layerJson),
    ),
    RpcServer.layerHttp({ group: vouched, path: vouchedPath, protocol: "http" }).pipe(
      Layer.provide(
        // Too short for the contract, and with a key it does not have: a handler bug only the types can miss.
        vouched.toLayer({ Shout: ({ text }) => Effect.succeed({ text: text.slice(0, 3), secret: "hidden" }) }),
      ),
      Layer.provide(TrustedAnswers.layerVouching(RpcSerialization.layerJson)),
    ),
  ),
  { disableLogger: true },
).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 })))

const clientOf = (serialization: typeof RpcSerialization.layerJson) =>
  Effect.flatMap(HttpServer.HttpServer, (http) =>
    ServiceClient.make(strict, { url: HttpServer.formatAddress(http.address), path, serialization }),
  )

layer(server)("a client that trusts the answers of the service it calls", (it) => {
  it.effect("takes a successful answer as the service encoded it, without checking it again", () =>
    Effect.gen(function* () {
      const trusting = yield* clientOf(TrustedAnswers.layer(RpcSerialization.layerJson))
      expect(yield* trusting.Echo({ text: "short" })).toEqual({ text: "short" })
      // The same answer, checked: the stricter contract refuses it.
      const checking = yield* clientOf(RpcSerialization.layerJson)
      const refused = yield* Effect.exit(checking.Echo({ text: "short" }))
      expect(Exit.isFailure(refused) && Cause.pretty(refused.cause)).toContain("length of at least 10")
    }).pipe(Effect.scoped),
  )

  it.effect("still builds classes and dates, and decodes the service's errors in full", () =>
    Effect.gen(function* () {
      const trusting = yield* clientOf(TrustedAnswers.layer(RpcSerialization.layerJson))
      const stamp = yield* trusting.Stamp({ text: "now" })
      expect(stamp).toBeInstanceOf(Stamp)
      expect(DateTime.formatIso(stamp.at)).toBe("2026-01-02T03:04:05.000Z")
      const error = yield* Effect.flip(trusting.Echo({ text: "missing" }))
      expect(error).toBeInstanceOf(Missing)
      expect(error).toMatchObject({ text: "missing" })
    }).pipe(Effect.scoped),
  )
})

layer(server)("a service that vouches for its answers", (it) => {
  it.effect("encodes them without their checks, still shaped by the schema; payloads are checked in full", () =>
    Effect.gen(function* () {
      const http = yield* HttpServer.HttpServer
      const url = HttpServer.formatAddress(http.address)
      const client = yield* ServiceClient.make(loose, {
        url,
        path: vouchedPath,
        serialization: RpcSerialization.layerJson,
      })
      expect(yield* client.Shout({ text: "a long enough text" })).toEqual({ text: "a l" })
      const refused = yield* Effect.exit(client.Shout({ text: "short" }))
      expect(Exit.isFailure(refused) && Cause.pretty(refused.cause)).toContain("length of at least 10")
    }).pipe(Effect.scoped),
  )
})

layer(Layer.empty)("which answers are taken as they arrive", (it) => {
  it.effect("plain views are; anything that decodes into something else is not", () =>
    Effect.sync(() => {
      const wire = (schema: Schema.Top) => TrustedAnswers.isWireIdentical(Schema.toCodecJson(schema).ast)
      expect(wire(Schema.Array(Schema.Struct({ id: long, n: Schema.Int, at: Schema.NullOr(Schema.String) })))).toBe(
        true,
      )
      expect(wire(Schema.Struct({ kind: Schema.Literals(["a", "b"]), on: Schema.Boolean }))).toBe(true)
      expect(wire(Schema.Struct({ at: Schema.DateTimeUtcFromString }))).toBe(false)
      expect(wire(Stamp)).toBe(false)
      expect(wire(Schema.Record(Schema.String, Schema.String))).toBe(false)
    }),
  )
})
