import { Config, Effect, Layer, Option } from "effect"
import * as AccessTokens from "../auth/AccessTokens.ts"
import { AuthCache } from "../auth/AuthCache.ts"
import * as Authentication from "../auth/Authentication.ts"
import * as Authorizer from "../auth/Authorizer.ts"
import * as ProjectsClients from "../projects/ProjectsClient.ts"
import { Budgets } from "../ratelimit/Budgets.ts"
import * as MemoryLimiter from "../ratelimit/MemoryLimiter.ts"
import { RateLimiter } from "../ratelimit/RateLimiter.ts"
import * as RedisLimiter from "../ratelimit/RedisLimiter.ts"
import { AccessHandlers } from "./AccessHandlers.ts"
import { AuthHandlers } from "./AuthHandlers.ts"
import { DeviceHandlers } from "./DeviceHandlers.ts"
import { IdentityClient } from "./IdentityClient.ts"
import { MeHandlers } from "./MeHandlers.ts"
import { WorkspaceHandlers } from "./WorkspaceHandlers.ts"

/** How the gateway's identity side is put together. */

/** The handlers of identity's API groups; where projects are concerned they ask the projects service. */
export const handlers = Layer.mergeAll(
  AuthHandlers,
  MeHandlers,
  WorkspaceHandlers,
  AccessHandlers,
  DeviceHandlers,
).pipe(Layer.provide(ProjectsClients.layerFromUrl))

/** What every authenticated route needs: `Authentication`, the `Authorizer`, and what they share. */
export const services = Authentication.layer.pipe(
  Layer.provideMerge(Authorizer.layer),
  Layer.provideMerge(Layer.mergeAll(AccessTokens.AccessTokens.layer, Budgets.layer)),
  Layer.provideMerge(AuthCache.layer),
)

/** The in-process limiter, or Redis's when a URL is given. */
export const rateLimiter = (redisUrl: Option.Option<string>): Layer.Layer<RateLimiter> =>
  Option.match(redisUrl, {
    onNone: () => Layer.sync(RateLimiter, MemoryLimiter.make),
    onSome: RedisLimiter.layer,
  })

export interface Dependencies {
  /** The identity service's RPC endpoint, e.g. `http://127.0.0.1:8081/rpc`. */
  readonly identityUrl: string
  readonly redisUrl: Option.Option<string>
}

/** The outside services the gateway talks to. */
export const dependencies = (options: Dependencies) =>
  Layer.mergeAll(IdentityClient.layer(options.identityUrl), rateLimiter(options.redisUrl))

/** `IDENTITY_URL` (default `http://127.0.0.1:8081/rpc`) and `REDIS_URL` (unset: in-process rate limiting). */
export const dependenciesFromEnv = Layer.unwrap(
  Effect.gen(function* () {
    const identityUrl = yield* Config.String("IDENTITY_URL").pipe(Config.withDefault("http://127.0.0.1:8081/rpc"))
    const redisUrl = yield* Config.option(Config.String("REDIS_URL"))
    return dependencies({ identityUrl, redisUrl })
  }),
)
