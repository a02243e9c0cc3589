import { Cause, Effect, Exit, Layer, Schema } from "effect"
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
 * It works because the HTTP protocol's `send` returns only once its exchange's answer has been read: a call whose
 * exchange is over and that saw no `Exit` of its own was ended by that exchange's `Defect`.
 */

const describe = (defect: unknown): string =>
  defect instanceof Error ? defect.message : typeof defect === "string" ? defect : Cause.pretty(Cause.die(defect))

/** `protocol`, where a server `Defect` ends only the calls of its own exchange. */
export const contain = (protocol: RpcClient.Protocol["Service"]): RpcClient.Protocol["Service"] => {
  const decodeDefect = Schema.decodeUnknownSync(protocol.codecFor(Schema.Defect()))
  // Our contracts' serializations are JSON (`layerJson`, `layerNdjson`): an exit's defect is encoded alone.
  const encodeDefect = Schema.encodeSync(protocol.codecFor(Schema.Defect()))
  /** Per client: what each running client's responses go to, the ids answered so far, the last defect seen. */
  const writers = new Map<number, (data: RpcMessage.FromServerEncoded) => Effect.Effect<void>>()
  const answered = new Map<number, Set<string>>()
  const lastDefect = new Map<number, string>()

  const answeredOf = (clientId: number) => {
    let ids = answered.get(clientId)
    if (ids === undefined) {
      ids = new Set()
      answered.set(clientId, ids)
    }
    return ids
  }

  /** After `request`'s exchange: if no `Exit` reached it, the exchange ended in a defect, which is now its own. */
  const settle = (clientId: number, requestId: string | number): Effect.Effect<void> => {
    if (answeredOf(clientId).delete(String(requestId))) return Effect.void
    const write = writers.get(clientId)
    if (write === undefined) return Effect.void
    const defect = new Error(
      `the service ended this call's exchange with a defect: ${lastDefect.get(clientId) ?? "no answer"}`,
    )
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
      const ids = answeredOf(clientId)
      return protocol
        .run(clientId, (data) => {
          switch (data._tag) {
            case "Exit":
              ids.add(String(data.requestId))
              return f(data)
            case "Defect":
              // Not passed on: it would end every call of this client. Its exchange's calls are settled by `send`.
              lastDefect.set(clientId, describe(decodeDefect(data.defect)))
              return Effect.logWarning(`rpc: a server defect ended one exchange: ${lastDefect.get(clientId)}`)
            default:
              return f(data)
          }
        })
        .pipe(
          Effect.ensuring(
            Effect.sync(() => {
              writers.delete(clientId)
              answered.delete(clientId)
              lastDefect.delete(clientId)
            }),
          ),
        )
    },
    send: (clientId, request, transferables) =>
      request._tag !== "Request"
        ? protocol.send(clientId, request, transferables)
        : protocol
            .send(clientId, request, transferables)
            .pipe(
              Effect.onExit((exit) =>
                Exit.isSuccess(exit)
                  ? settle(clientId, request.id)
                  : Effect.sync(() => answeredOf(clientId).delete(String(request.id))),
              ),
            ),
  })
}

/** `layer`'s protocol, where a server `Defect` ends only the calls of its own exchange. */
export const layer = <E, R>(
  protocolLayer: Layer.Layer<RpcClient.Protocol, E, R>,
): Layer.Layer<RpcClient.Protocol, E, R> =>
  Layer.effect(RpcClient.Protocol, Effect.map(RpcClient.Protocol, contain)).pipe(Layer.provide(protocolLayer))
