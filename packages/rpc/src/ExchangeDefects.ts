import { Cause, Effect, Layer, Schema } from "effect"
import { RpcClient, RpcMessage } from "effect/rpc"

/**
 * Over HTTP, a server's `Defect` message belongs to one exchange (one HTTP request and its answer), yet effect's RPC
 * client treats it as the end of the whole connection: it fails every call in flight on that client, including the
 * calls other requests made in other exchanges at the same time. Behind the gateway that is one tenant's failure
 * answering 500 to another tenant. This wraps a client's HTTP protocol so that a `Defect` fails only the calls of the
 * exchange that carried it: each is answered, as its own `Exit`, with a defect that says so; every other call goes
 * on. (Our servers send no such message for a handler's defect, see `ServiceServer`; this is the client's half, for
 * whatever else ends an exchange that way.)
 *
 * It works because the HTTP protocol's `send` returns only once its exchange's answer has been read, and succeeds
 * for a call that got no `Exit` only when a `Defect` ended the exchange. Calls pay for nothing until a defect comes.
 */

const describe = (defect: unknown): string =>
  defect instanceof Error ? defect.message : typeof defect === "string" ? defect : Cause.pretty(Cause.die(defect))

/** `protocol`, where a server `Defect` ends only the calls of its own exchange. */
export const contain = (protocol: RpcClient.Protocol["Service"]): RpcClient.Protocol["Service"] => {
  const decodeDefect = Schema.decodeUnknownSync(protocol.codecFor(Schema.Defect()))
  // Our contracts' serializations are JSON (`layerJson`, `layerNdjson`): an exit's defect is encoded alone.
  const encodeDefect = Schema.encodeSync(protocol.codecFor(Schema.Defect()))
  /** What each running client's responses go to. */
  const writers = new Map<number, (data: RpcMessage.FromServerEncoded) => Effect.Effect<void>>()
  /** Server defects seen so far, and the last one's words: a call checks only when one came during its exchange. */
  let defects = 0
  let lastDefect = ""

  /**
   * After `request`'s exchange, when some exchange ended in a defect meanwhile: the request is answered with that
   * defect. Had its own `Exit` reached it, the client has already forgotten the id and drops this one (ids are never
   * reused); if not, its exchange is the one the defect ended.
   */
  const settle = (clientId: number, requestId: string | number): Effect.Effect<void> => {
    const write = writers.get(clientId)
    if (write === undefined) return Effect.void
    const defect = new Error(`the service ended this call's exchange with a defect: ${lastDefect}`)
    return write(
      RpcMessage.ResponseExitDieEncoded({
        requestId: RpcMessage.RequestId(requestId),
        encodedDefect: encodeDefect(defect),
      }),
    )
  }

  return RpcClient.Protocol.of({
    ...protocol,
    run: (clientId, f) => {
      writers.set(clientId, f)
      return protocol
        .run(clientId, (data) => {
          if (data._tag !== "Defect") return f(data)
          // Not passed on: it would end every call of this client. Its exchange's calls are settled by `send`.
          defects++
          lastDefect = describe(decodeDefect(data.defect))
          return Effect.logWarning(`rpc: a server defect ended one exchange: ${lastDefect}`)
        })
        .pipe(Effect.ensuring(Effect.sync(() => writers.delete(clientId))))
    },
    send: (clientId, request, transferables) => {
      if (request._tag !== "Request") return protocol.send(clientId, request, transferables)
      const before = defects
      return Effect.flatMap(protocol.send(clientId, request, transferables), () =>
        defects === before ? Effect.void : settle(clientId, request.id),
      )
    },
  })
}

/** `layer`'s protocol, where a server `Defect` ends only the calls of its own exchange. */
export const layer = <E, R>(
  protocolLayer: Layer.Layer<RpcClient.Protocol, E, R>,
): Layer.Layer<RpcClient.Protocol, E, R> =>
  Layer.effect(RpcClient.Protocol, Effect.map(RpcClient.Protocol, contain)).pipe(Layer.provide(protocolLayer))
