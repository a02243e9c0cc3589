import { createServer, type Server } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { DesiredState, Ids, ShuttleRpc } from "@starform/domain"
import { Deferred, Effect, Exit, Layer, Ref, Scope } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { RpcSerialization, RpcServer } from "effect/rpc"

/**
 * The projects service's side of `ShuttleRpc`, served for real over HTTP from a test: it publishes versions of one
 * cluster's desired state (long-poll answered the moment a version appears), records Shuttle's reports, refuses any
 * other token, and can be stopped and started again on the same port to play an unreachable Starbase.
 */

export interface Projects {
  readonly url: string
  readonly clusterId: Ids.ClusterId
  readonly token: string
  /** Publishes the next version with these environments. */
  readonly publish: (
    environments: ReadonlyArray<DesiredState.EnvironmentState>,
  ) => Effect.Effect<DesiredState.DesiredState>
  readonly current: Effect.Effect<DesiredState.DesiredState | null>
  /** Every report received, oldest first. */
  readonly reports: Effect.Effect<ReadonlyArray<ShuttleRpc.ObservedService>>
  /** The last report about a service's release. */
  readonly observed: (deploymentId: string) => Effect.Effect<ShuttleRpc.ObservedService | undefined>
  /** `performance.now()` when the last version became available to long-polls (after building its bytes). */
  readonly publishedAt: () => number
  /** The last report of every release, by deployment id. */
  readonly latest: () => ReadonlyMap<string, ShuttleRpc.ObservedService>
  readonly stop: Effect.Effect<void>
  readonly start: Effect.Effect<void>
}

export const make = Effect.fn("Projects.make")(function* () {
  const clusterId = Ids.makeId(Ids.prefixes.cluster) as Ids.ClusterId
  const token = "sft_test_cluster_token"
  const state = yield* Ref.make<DesiredState.DesiredState | null>(null)
  /** The current version's canonical bytes, as the projects service keeps them. */
  let document = ""
  let publishedAt = 0
  const published = yield* Ref.make(yield* Deferred.make<void>())
  const reports: Array<ShuttleRpc.ObservedService> = []
  const latest = new Map<string, ShuttleRpc.ObservedService>()

  const waitForNewer = (knownVersion: number, waitMs: number) =>
    Effect.gen(function* () {
      const signal = yield* Ref.get(published)
      const now = yield* Ref.get(state)
      if (now !== null && now.version > knownVersion) return { _tag: "Changed" as const, state: now }
      yield* Deferred.await(signal).pipe(Effect.timeoutOption(waitMs))
      const after = yield* Ref.get(state)
      return after !== null && after.version > knownVersion
        ? { _tag: "Changed" as const, state: after }
        : { _tag: "NotModified" as const, version: after?.version ?? 0, hash: after?.hash ?? null }
    })

  const documentHandlers = ShuttleRpc.ShuttleDocumentRpcs.toLayer({
    GetDesiredStateDocument: ({ knownVersion, waitMs }) =>
      waitForNewer(knownVersion, waitMs ?? ShuttleRpc.defaultWaitMs).pipe(
        Effect.map((answer) =>
          answer._tag === "Changed"
            ? ({
                _tag: "ChangedDocument",
                clusterId,
                version: answer.state.version,
                hash: answer.state.hash,
                document,
              } as const)
            : answer,
        ),
      ),
  })
  const handlers = ShuttleRpc.ShuttleRpcs.toLayer({
    ReportObservedState: ({ services }) =>
      Effect.sync(() => {
        for (const service of services) {
          latest.set(service.deploymentId, service)
          reports.push(service)
        }
        return { accepted: services.length, ignored: 0 }
      }),
  })
  const authentication = Layer.succeed(ShuttleRpc.ClusterAuthentication)((effect, { headers, payload }) => {
    const presented = headers[ShuttleRpc.tokenHeader]
    const asked = (payload as { clusterId?: string }).clusterId
    return presented === `Bearer ${token}` && asked === clusterId
      ? Effect.provideService(effect, ShuttleRpc.CurrentCluster, { clusterId })
      : Effect.fail(new ShuttleRpc.ClusterUnauthorized({ message: "unknown cluster token" }))
  })

  let port = 0
  let serverScope: Scope.Closeable | null = null
  let nodeServer: Server | null = null
  const start = Effect.gen(function* () {
    if (serverScope !== null) return
    const scope = yield* Scope.make()
    const node = createServer()
    nodeServer = node
    const server = HttpRouter.serve(
      Layer.mergeAll(
        RpcServer.layerHttp({ group: ShuttleRpc.ShuttleRpcs, path: ShuttleRpc.path, protocol: "http" }).pipe(
          Layer.provide(handlers),
        ),
        RpcServer.layerHttp({
          group: ShuttleRpc.ShuttleDocumentRpcs,
          path: ShuttleRpc.documentPath,
          protocol: "http",
        }).pipe(Layer.provide(documentHandlers)),
      ),
      { disableListenLog: true, disableLogger: true },
    ).pipe(
      Layer.provide(authentication),
      Layer.provide(RpcSerialization.layerJson),
      Layer.provideMerge(NodeHttpServer.layer(() => node, { port, host: "127.0.0.1" })),
    )
    const context = yield* Layer.buildWithScope(server, scope)
    const address = (yield* HttpServer.HttpServer.pipe(Effect.provide(context))).address
    if (address._tag !== "UnixPathAddress") port = address.port
    serverScope = scope
  }).pipe(Effect.orDie)
  // Stopping drops every connection at once, as a crashed or unreachable server does: a long-poll in flight fails.
  const stop = Effect.suspend(() => {
    const scope = serverScope
    serverScope = null
    nodeServer?.closeAllConnections()
    nodeServer = null
    return scope === null ? Effect.void : Scope.close(scope, Exit.void)
  })
  yield* start
  yield* Effect.addFinalizer(() => stop)

  const projects: Projects = {
    url: `http://127.0.0.1:${port}`,
    clusterId,
    token,
    publish: (environments) =>
      Effect.gen(function* () {
        const previous = yield* Ref.get(state)
        const content = { clusterId, environments }
        const bytes = DesiredState.serialize(content)
        const next: DesiredState.DesiredState = {
          clusterId,
          version: (previous?.version ?? 0) + 1,
          hash: DesiredState.hashOfBytes(bytes),
          environments,
        }
        document = bytes
        publishedAt = performance.now()
        yield* Ref.set(state, next)
        const signal = yield* Ref.getAndSet(published, yield* Deferred.make<void>())
        yield* Deferred.succeed(signal, undefined)
        return next
      }),
    current: Ref.get(state),
    reports: Effect.sync(() => [...reports]),
    observed: (deploymentId) => Effect.sync(() => latest.get(deploymentId)),
    latest: () => latest,
    publishedAt: () => publishedAt,
    stop,
    start,
  }
  return projects
})
