import type { HttpRouter } from "effect/http"
import { type Rpc, type RpcGroup, RpcServer } from "effect/rpc"

/**
 * The one way a Starbase service serves its RPC contract over HTTP: `RpcServer.layerHttp` with the `http` protocol
 * and one rule of ours. By default effect's RPC server answers a handler's defect (a bug, a lost database) with a
 * `Defect` message to the whole connection rather than to the call, and the client then fails every call it has in
 * flight: one caller's failure becomes every other caller's 500. Here a defect is the failed call's own `Exit`, and
 * nothing else is touched. (`ServiceClient` holds the other half: a `Defect` that does come ends one exchange only.)
 *
 * ```ts
 * export const routes = ServiceServer.layerHttp({ group: ProjectsRpc.ProjectsRpcs, path: ProjectsRpc.path }).pipe(
 *   Layer.provide(handlers),
 *   Layer.provide(ProjectsRpc.serialization),
 * )
 * ```
 */
export const layerHttp = <Rpcs extends Rpc.Any>(options: {
  readonly group: RpcGroup.RpcGroup<Rpcs>
  readonly path: HttpRouter.PathInput
}) => RpcServer.layerHttp({ group: options.group, path: options.path, protocol: "http", disableFatalDefects: true })
