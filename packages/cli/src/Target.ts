import { Effect, Option } from "effect"
import { Flag } from "effect/cli"
import * as Api from "./Api.ts"
import { exitCodes, fail } from "./Failure.ts"
import * as Files from "./Files.ts"

/** What a verb acts on: the folder's linked project and environment, and a service of it by `--service` or link. */

export const jsonFlag = Flag.Boolean("json").pipe(
  Flag.withDefault(false),
  Flag.withDescription("Print the API's JSON instead of a table (for scripts and jq)"),
)

export const serviceFlag = Flag.String("service").pipe(
  Flag.withAlias("s"),
  Flag.optional,
  Flag.withDescription("The service by name or id (default: the linked one, or the environment's only service)"),
)

/** Signed in, in a linked folder. */
export const linked = Effect.gen(function* () {
  const link = yield* Files.requireLink(process.cwd())
  const api = yield* Api.signedIn
  return { ...api, link }
})

/** The service `--service` names (name or id) in the linked environment, else the linked one, else the only one. */
export const service = (named: Option.Option<string>) =>
  Effect.gen(function* () {
    const context = yield* linked
    const services = yield* context.client.services.listServices({
      params: { environmentId: context.link.environmentId },
    })
    const wanted = Option.getOrNull(named)
    if (wanted !== null) {
      const found = services.find((s) => s.name === wanted || s.id === wanted)
      if (found === undefined) {
        const known = services.map((s) => s.name).join(", ") || "none yet"
        return yield* fail(exitCodes.notFound, `No service named ${wanted} in this environment (services: ${known}).`)
      }
      return { ...context, service: found }
    }
    const linkedService = services.find((s) => s.id === context.link.serviceId)
    if (linkedService !== undefined) return { ...context, service: linkedService }
    const only = services.length === 1 ? services[0] : undefined
    if (only !== undefined) return { ...context, service: only }
    return yield* fail(
      exitCodes.usage,
      services.length === 0
        ? "This environment has no service yet: create one with `starform service create`."
        : `Name the service with --service (one of: ${services.map((s) => s.name).join(", ")}).`,
    )
  })
