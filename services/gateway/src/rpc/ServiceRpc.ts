import { NodeHttpClient } from "@effect/platform-node"
import { Data, Effect, Layer } from "effect"
import { RpcClient, type RpcClientError, type RpcSerialization } from "effect/rpc"

/**
 * Another Starbase service could not be reached. Only which service and what went wrong are kept: the request,
 * which may hold a password or a variable's value, is not, so the defect can be logged safely.
 */
export class ServiceUnavailable extends Data.TaggedError("ServiceUnavailable")<{
  readonly service: string
  readonly message: string
}> {}

/**
 * RPC over HTTP to `url` with the service's wire format. Calls started in the same turn of the event loop share one
 * HTTP request (up to 64 of them): under load, requests that resume together (after one Redis or database reply, or
 * one read of several sockets) reach the service as one exchange, and a lone call waits for nothing (the batch window
 * is zero: it closes at the scheduler's next turn). Each call keeps its own answer and errors.
 */
export const protocol = (url: string, serialization: Layer.Layer<RpcSerialization.RpcSerialization>) =>
  RpcClient.layerProtocolHttp({ url, batch: { window: 0, maxSize: 64 } }).pipe(
    Layer.provide(serialization),
    Layer.provide(NodeHttpClient.layerUndici),
  )

const isTransportFailure = (error: unknown): error is RpcClientError.RpcClientError =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "RpcClientError"

/**
 * A call to `service` whose transport failure is a defect (answered 500, never a misleading 4xx), keeping only the
 * call's own errors.
 */
export const call =
  (service: string) =>
  <A, E, R>(effect: Effect.Effect<A, E | RpcClientError.RpcClientError, R>) =>
    Effect.catchIf(effect, isTransportFailure, (error) =>
      Effect.die(
        new ServiceUnavailable({ service, message: `the ${service} service did not answer (${error.reason._tag})` }),
      ),
    ) as Effect.Effect<A, Exclude<E, RpcClientError.RpcClientError>, R>
