import { type Ids, ShuttleRpc } from "@starform/domain"
import { ServiceClient } from "@starform/rpc"
import { Context, Duration, Effect, Layer, Schema } from "effect"
import { RpcSerialization } from "effect/rpc"

/**
 * The one module that talks to the projects service: Shuttle's side of `ShuttleRpc`, authenticated with the
 * cluster's token. Anything that is not an answer — refused connection, timeout, 5xx, an undecodable reply — is
 * `StarbaseUnreachable`: Shuttle then goes on from its cached desired state.
 */

export class StarbaseUnreachable extends Schema.TaggedError<StarbaseUnreachable>()("StarbaseUnreachable", {
  message: Schema.String,
}) {}

export type Failure = StarbaseUnreachable | ShuttleRpc.ClusterUnauthorized

export class Starbase extends Context.Service<
  Starbase,
  {
    readonly clusterId: Ids.ClusterId
    /**
     * Long-poll: a newer version than `knownVersion` as its canonical bytes (`ChangedDocument`: checked against its
     * hash, cached as they are), or `NotModified` after `waitMs`.
     */
    readonly getDesiredState: (
      knownVersion: number,
      waitMs: number,
    ) => Effect.Effect<ShuttleRpc.DesiredDocumentAnswer, Failure>
    readonly reportObservedState: (
      appliedVersion: number | null,
      services: ReadonlyArray<ShuttleRpc.ObservedService>,
    ) => Effect.Effect<ShuttleRpc.ObservedStateAck, Failure>
  }
>()("starform/shuttle/Starbase") {}

export interface Config {
  /** The projects service's base URL; the RPCs are at `ShuttleRpc.path` under it. */
  readonly url: string
  readonly clusterId: Ids.ClusterId
  readonly token: string
}

const unreachable = (error: unknown) =>
  new StarbaseUnreachable({
    message: `the projects service did not answer: ${error instanceof Error ? error.message : String(error)}`,
  })

const make = Effect.fn("Starbase.make")(function* (config: Config) {
  // Each contract group is served at a path of its own; both clients carry the cluster's token.
  const client = yield* ServiceClient.make(ShuttleRpc.ShuttleRpcs, options(config, ShuttleRpc.path))
  const documents = yield* ServiceClient.make(ShuttleRpc.ShuttleDocumentRpcs, options(config, ShuttleRpc.documentPath))
  const call = <A, E>(effect: Effect.Effect<A, E>, timeout: Duration.Input): Effect.Effect<A, Failure> =>
    effect.pipe(
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () => Effect.fail(new StarbaseUnreachable({ message: "the projects service did not answer in time" })),
      }),
      Effect.mapError(
        (error): Failure =>
          error instanceof ShuttleRpc.ClusterUnauthorized || error instanceof StarbaseUnreachable
            ? error
            : unreachable(error),
      ),
      Effect.catchDefect((defect) => Effect.fail(unreachable(defect))),
    )
  return Starbase.of({
    clusterId: config.clusterId,
    getDesiredState: (knownVersion, waitMs) =>
      call(
        documents.GetDesiredStateDocument({ clusterId: config.clusterId, knownVersion, waitMs }),
        Duration.millis(waitMs + 15_000),
      ),
    reportObservedState: (appliedVersion, services) =>
      call(
        client.ReportObservedState({
          clusterId: config.clusterId,
          services,
          ...(appliedVersion === null ? {} : { appliedVersion }),
        }),
        Duration.seconds(15),
      ),
  })
})

/** Over HTTP (fetch), JSON-serialized as the projects service serves it, with the bearer token on each call. */
const options = (config: Config, path: string): ServiceClient.Options => ({
  url: config.url,
  path,
  serialization: RpcSerialization.layerJson,
  bearerToken: config.token,
})

export const layer = (config: Config): Layer.Layer<Starbase> => Layer.effect(Starbase, make(config))
