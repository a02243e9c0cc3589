import type { DeploymentsApi, Ids } from "@starform/domain"
import { Console, Effect } from "effect"
import { Flag } from "effect/cli"
import type * as Api from "./Api.ts"
import { exitCodes, fail } from "./Failure.ts"
import * as Output from "./Output.ts"

/**
 * After a deploy: follow the deployment until it serves or fails, printing each status it passes through and, while
 * it builds, the build's log (all to stderr, so `--json` output stays clean).
 */

export const detachFlag = Flag.Boolean("detach").pipe(
  Flag.withDefault(false),
  Flag.withAlias("d"),
  Flag.withDescription("Return once the deployment is created instead of waiting until it is active"),
)

const settled = new Set(["active", "failed", "cancelled", "superseded"])

/** Prints the build log lines after `after` of the deployment's latest build; the last `seq` printed. */
const buildLogSince = (client: Api.Client, deploymentId: Ids.DeploymentId, after: number | undefined) =>
  Effect.gen(function* () {
    const build = (yield* client.builds.listBuilds({ params: { deploymentId } })).at(-1)
    if (build === undefined) return after
    const page = yield* client.builds.getBuildLogs({
      params: { buildId: build.id },
      query: after === undefined ? {} : { after },
    })
    for (const entry of page.lines) yield* Console.error(entry.line)
    return page.lines.at(-1)?.seq ?? after
  })

/** Polls once a second; exits non-zero with the reason unless the deployment becomes active. */
export const untilSettled = (client: Api.Client, deploymentId: Ids.DeploymentId, quiet: boolean) =>
  Effect.gen(function* () {
    let last = ""
    let logged: number | undefined
    for (;;) {
      const deployment = yield* client.deployments.getDeployment({ params: { deploymentId } })
      if (deployment.status === "building" || last === "building") {
        // Read once more as the build ends, so its last lines are not lost.
        logged = yield* buildLogSince(client, deploymentId, logged)
      }
      if (deployment.status !== last && !quiet) {
        yield* Console.error(`deployment #${deployment.number}: ${deployment.status}`)
      }
      last = deployment.status
      if (settled.has(deployment.status)) {
        if (deployment.status === "active") return deployment
        return yield* fail(
          exitCodes.failed,
          `Deployment #${deployment.number} ${deployment.status}${deployment.failureReason === null ? "" : `: ${deployment.failureReason}`}`,
        )
      }
      yield* Effect.sleep("1 second")
    }
  })

/** Prints a created deployment, then follows it unless `detach`. */
export const report = (
  client: Api.Client,
  deployment: DeploymentsApi.DeploymentView,
  options: { readonly json: boolean; readonly detach: boolean },
) =>
  Effect.gen(function* () {
    if (!options.json) yield* Output.line(`Deployment #${deployment.number} (${deployment.id}) ${deployment.status}`)
    const final = options.detach ? deployment : yield* untilSettled(client, deployment.id, options.json)
    if (options.json) yield* Output.json(final)
    else if (!options.detach) yield* Output.line(`Deployment #${final.number} is active.`)
  })
