import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Schema } from "effect"
import { FetchHttpClient, HttpRouter, HttpServer } from "effect/http"
import { Rpc, RpcClient, RpcGroup, RpcSerialization, RpcServer } from "effect/rpc"
import { ServiceClient, ServiceServer } from "../src/index.ts"

/**
 * A handler's defect (a bug, a lost database) must fail its own call and nothing else, however the calls travel: in
 * one batch (one HTTP exchange) or side by side in exchanges of their own.
 */

const Echo = Rpc.make("Echo", {
  payload: { text: Schema.String, delayMs: Schema.Number },
  success: Schema.String,
})
const Explode = Rpc.make("Explode", { payload: { text: Schema.String }, success: Schema.String })
const Calls = RpcGroup.make(Echo, Explode)

const handlers = Calls.toLayer({
  Echo: ({ text, delayMs }) => Effect.as(Effect.sleep(delayMs), text),
  Explode: ({ text }) => Effect.die(new Error(`handler bug on ${text}`)),
})

/** Our servers (`ServiceServer`) and effect's default server (a defect goes to the whole connection). */
const ours = "/rpc/ours"
const library = "/rpc/library"
const served = HttpRouter.serve(
  Layer.mergeAll(
    ServiceServer.layerHttp({ group: Calls, path: ours }),
    RpcServer.layerHttp({ group: Calls, path: library, protocol: "http" }),
  ).pipe(Layer.provide(handlers), Layer.provide(RpcSerialization.layerJson)),
  { disableLogger: true },
).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 })))

const baseUrl = Effect.map(HttpServer.HttpServer, (server) => HttpServer.formatAddress(server.address))

/** effect's own HTTP client protocol, without `ServiceClient`'s containment. */
const libraryClient = (url: string, batch: boolean) =>
  RpcClient.make(Calls).pipe(
    Effect.provide(
      RpcClient.layerProtocolHttp({ url, ...(batch ? { batch: ServiceClient.sameTurn } : {}) }).pipe(
        Layer.provide(RpcSerialization.layerJson),
        Layer.provide(FetchHttpClient.layer),
      ),
    ),
  )

/** `innocent` echo calls and one exploding call, all started together; each call's exit, the explosion's last. */
const together = (
  client: RpcClient.RpcClient<RpcGroup.Rpcs<typeof Calls>, unknown>,
  innocent: number,
  delayMs: number,
) =>
  Effect.all(
    [
      ...Array.from({ length: innocent }, (_, i) => Effect.exit(client.Echo({ text: `call ${i}`, delayMs }))),
      Effect.exit(client.Explode({ text: "the culprit" })),
    ],
    { concurrency: "unbounded" },
  )

const innocentFailures = (exits: ReadonlyArray<Exit.Exit<string, unknown>>) =>
  exits.slice(0, -1).filter((exit, i) => !(Exit.isSuccess(exit) && exit.value === `call ${i}`)).length

const diedOfItsOwnBug = (exit: Exit.Exit<string, unknown> | undefined) =>
  exit !== undefined && Exit.isFailure(exit) && Cause.hasDies(exit.cause) && !Cause.hasFails(exit.cause)

layer(served, { excludeTestServices: true })("a defect in one call", (it) => {
  it.effect("with effect's defaults it fails every call in flight on the client: the cause, kept visible", () =>
    Effect.gen(function* () {
      const client = yield* libraryClient(`${yield* baseUrl}${library}`, false)
      const exits = yield* together(client, 20, 500)
      expect(innocentFailures(exits)).toBe(20)
    }).pipe(Effect.scoped),
  )

  it.effect("our server answers it as that call's own exit: the rest of its batch succeeds", () =>
    Effect.gen(function* () {
      // effect's plain client: what is shown here is the server's half alone.
      const client = yield* libraryClient(`${yield* baseUrl}${ours}`, true)
      const exits = yield* together(client, 50, 20)
      expect(innocentFailures(exits)).toBe(0)
      expect(diedOfItsOwnBug(exits.at(-1))).toBe(true)
      expect(Cause.pretty((exits.at(-1) as Exit.Failure<string, unknown>).cause)).toContain(
        "handler bug on the culprit",
      )
    }).pipe(Effect.scoped),
  )

  it.effect("our client lets a server's connection-wide defect end only the exchange that carried it", () =>
    Effect.gen(function* () {
      // effect's default server sends the connection-wide defect; each call has an exchange of its own.
      const client = yield* ServiceClient.make(Calls, {
        url: yield* baseUrl,
        path: library,
        serialization: RpcSerialization.layerJson,
      })
      const exits = yield* together(client, 20, 500)
      expect(innocentFailures(exits)).toBe(0)
      expect(diedOfItsOwnBug(exits.at(-1))).toBe(true)
      expect(Cause.pretty((exits.at(-1) as Exit.Failure<string, unknown>).cause)).toContain(
        "ended this call's exchange with a defect: handler bug on the culprit",
      )
      // and the client keeps working afterwards
      expect(yield* client.Echo({ text: "after", delayMs: 0 })).toBe("after")
    }).pipe(Effect.scoped),
  )

  it.effect("as the gateway calls: batched in one turn, round after round, no innocent call ever fails", () =>
    Effect.gen(function* () {
      const client = yield* ServiceClient.make(Calls, {
        url: yield* baseUrl,
        path: ours,
        serialization: RpcSerialization.layerJson,
        batch: ServiceClient.sameTurn,
      })
      for (let round = 0; round < 10; round++) {
        const exits = yield* together(client, 50, round % 2 === 0 ? 0 : 20)
        expect(innocentFailures(exits)).toBe(0)
        expect(diedOfItsOwnBug(exits.at(-1))).toBe(true)
      }
    }).pipe(Effect.scoped),
  )
})
