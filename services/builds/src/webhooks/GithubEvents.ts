import {
  ApiErrors,
  type BuildsRpc,
  type DeploymentsApi,
  Deploys,
  type Ids,
  Projects as ProjectsDomain,
} from "@starform/domain"
import { Cause, Context, Effect, Layer, Option, Schema } from "effect"
import { GithubApp } from "../github/GithubApp.ts"
import { type Installation, Installations } from "../github/Installations.ts"
import { Projects } from "../Projects.ts"
import { Pipeline } from "../pipeline/Pipeline.ts"
import { Deliveries } from "./Deliveries.ts"

/**
 * What a GitHub webhook delivery does, once per delivery id: a push to a mapped branch deploys the services that
 * build from it (a newer push cancels the build it replaces); an uninstall or suspension turns auto-deploy off,
 * with the reason on each service, and an unsuspension turns it back on. The signature was checked by the gateway.
 */

const Push = Schema.Struct({
  ref: Schema.String,
  before: Schema.String,
  after: Deploys.CommitSha,
  created: Schema.optionalKey(Schema.Boolean),
  deleted: Schema.optionalKey(Schema.Boolean),
  forced: Schema.optionalKey(Schema.Boolean),
  repository: Schema.Struct({ full_name: ProjectsDomain.RepoFullName }),
  installation: Schema.optionalKey(Schema.Struct({ id: Schema.Number })),
  commits: Schema.optionalKey(
    Schema.Array(
      Schema.Struct({
        added: Schema.optionalKey(Schema.Array(Schema.String)),
        removed: Schema.optionalKey(Schema.Array(Schema.String)),
        modified: Schema.optionalKey(Schema.Array(Schema.String)),
      }),
    ),
  ),
  head_commit: Schema.optionalKey(Schema.NullOr(Schema.Struct({ message: Schema.String }))),
})
type Push = typeof Push.Type

const InstallationEvent = Schema.Struct({
  action: Schema.String,
  installation: Schema.Struct({
    id: Schema.Number,
    account: Schema.NullOr(Schema.Struct({ login: Schema.String })),
  }),
})

/** GitHub lists at most this many commits in a push payload; beyond it the file lists are incomplete. */
const maxListedCommits = 2048
const zeros = /^0{40}$/

export const uninstalledReason = (login: string) =>
  `The Starform GitHub App was uninstalled from ${login} on GitHub, so pushes to its repositories no longer deploy. Reinstall the app, then turn auto-deploy back on.`

export const suspendedReason = (login: string) =>
  `The Starform GitHub App is suspended on ${login}, so pushes to its repositories do not deploy. Unsuspend it in GitHub's settings and auto-deploy comes back on.`

type Outcome = {
  readonly status: "processed" | "ignored"
  readonly detail: string
  readonly deploymentIds: ReadonlyArray<Ids.DeploymentId>
}

const ignored = (detail: string): Outcome => ({ status: "ignored", detail, deploymentIds: [] })

export class GithubEvents extends Context.Service<
  GithubEvents,
  {
    readonly receive: (delivery: {
      readonly deliveryId: string
      readonly event: string
      readonly body: string
    }) => Effect.Effect<BuildsRpc.DeliveryOutcome, ApiErrors.ValidationFailed | ApiErrors.Internal>
  }
>()("starform/builds/GithubEvents") {
  static readonly layer = Layer.effect(
    GithubEvents,
    Effect.gen(function* () {
      const deliveries = yield* Deliveries
      const installations = yield* Installations
      const github = yield* GithubApp
      const projects = yield* Projects
      const pipeline = yield* Pipeline

      /** The paths the push changed; null when they cannot all be known. */
      const changedPaths = Effect.fn("GithubEvents.changedPaths")(function* (push: Push, installation: Installation) {
        const commits = push.commits ?? []
        const complete = !push.created && !push.forced && !zeros.test(push.before) && commits.length < maxListedCommits
        if (complete && commits.length > 0) {
          return [...new Set(commits.flatMap((c) => [...(c.added ?? []), ...(c.removed ?? []), ...(c.modified ?? [])]))]
        }
        if (push.forced || zeros.test(push.before)) return null
        // too many commits to list: ask GitHub for the comparison (it lists up to 300 files)
        const token = yield* installations.token(installation)
        const compared = yield* github.changedPaths(token, push.repository.full_name, push.before, push.after)
        return Option.getOrNull(compared)
      })

      /** A newer push replaces the service's build in progress: that build and its deployment are cancelled. */
      const supersede = Effect.fn("GithubEvents.supersede")(function* (newer: DeploymentsApi.DeploymentView) {
        const recent = yield* projects.ListDeployments({ serviceId: newer.serviceId, limit: 20 })
        for (const older of recent) {
          if (older.number >= newer.number || older.status !== "building") continue
          const reason = `Cancelled: deploy #${newer.number} (${(newer.commitSha ?? "").slice(0, 7)}), a newer push, replaces it.`
          yield* pipeline.cancelDeployment(older.id, reason)
          yield* projects
            .CancelDeployment({ deploymentId: older.id })
            .pipe(Effect.catchTag("Conflict", () => Effect.void))
        }
      })

      const push = Effect.fn("GithubEvents.push")(function* (payload: Push) {
        if (!payload.ref.startsWith("refs/heads/"))
          return ignored(`${payload.ref} is not a branch: only branch pushes deploy.`)
        const branch = payload.ref.slice("refs/heads/".length)
        if (payload.deleted || zeros.test(payload.after))
          return ignored(`Branch ${branch} was deleted: nothing to deploy.`)
        if (payload.installation === undefined) return ignored("The push names no GitHub App installation.")
        const found = yield* installations.byGithubId(payload.installation.id)
        if (Option.isNone(found))
          return ignored(`GitHub App installation ${payload.installation.id} is not connected to a Starform workspace.`)
        const installation = found.value
        if (installation.status !== "active")
          return ignored(
            `The GitHub App installation on ${installation.accountLogin} is ${installation.status}: pushes do not deploy until it is active again.`,
          )
        const paths = yield* changedPaths(payload, installation).pipe(
          // GitHub's comparison is only an optimisation: without it, every service of the branch deploys
          Effect.catch(() => Effect.succeed(null)),
        )
        const made = yield* projects.DeployPush({
          repoFullName: payload.repository.full_name,
          branch,
          commitSha: payload.after,
          commitMessage: payload.head_commit?.message.slice(0, 10_000) ?? null,
          workspaceId: installation.workspaceId,
          changedPaths: paths,
        })
        // no pass is woken here: each deployment made notifies the pipeline when it starts waiting for its build
        for (const deployment of made) if (deployment.status === "queued") yield* supersede(deployment)
        if (made.length === 0)
          return ignored(
            `No service with auto-deploy on builds ${payload.repository.full_name} from branch ${branch}${paths === null ? "" : " in the paths this push changed"}.`,
          )
        return {
          status: "processed",
          detail: `${made.length} deployment${made.length === 1 ? "" : "s"} created: ${made.map((d) => `${d.serviceId} #${d.number}`).join(", ")}.`,
          deploymentIds: made.map((d) => d.id),
        } satisfies Outcome
      })

      const installation = Effect.fn("GithubEvents.installation")(function* (payload: typeof InstallationEvent.Type) {
        const id = payload.installation.id
        const login = payload.installation.account?.login ?? String(id)
        const change = {
          deleted: { status: "uninstalled", reason: uninstalledReason(login), disable: true },
          suspend: { status: "suspended", reason: suspendedReason(login), disable: true },
          unsuspend: { status: "active", reason: suspendedReason(login), disable: false },
        } as const
        const known = change[payload.action as keyof typeof change] as (typeof change)[keyof typeof change] | undefined
        if (known === undefined)
          return ignored(`installation.${payload.action}: the installation is linked by the setup callback.`)
        const row = yield* installations.setStatus(id, known.status)
        if (Option.isNone(row))
          return ignored(`GitHub App installation ${id} is not connected to a Starform workspace.`)
        const request = { workspaceId: row.value.workspaceId, repoOwner: login, reason: known.reason }
        const services = known.disable
          ? yield* projects.DisableAutoDeploy(request)
          : yield* projects.RestoreAutoDeploy(request)
        return {
          status: "processed",
          detail: `Installation on ${login} is ${known.status}; auto-deploy turned ${known.disable ? "off" : "back on"} for ${services.length} service${services.length === 1 ? "" : "s"}.`,
          deploymentIds: [],
        } satisfies Outcome
      })

      const decode = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, body: unknown) =>
        Schema.decodeUnknownEffect(schema)(body).pipe(
          Effect.mapError(
            (error) =>
              new ApiErrors.ValidationFailed({
                message: `The webhook payload is not as GitHub sends it: ${error.message}`,
              }),
          ),
        )

      const process = (event: string, body: unknown): Effect.Effect<Outcome, ApiErrors.ValidationFailed | unknown> => {
        switch (event) {
          case "push":
            return Effect.flatMap(decode(Push, body), push)
          case "installation":
            return Effect.flatMap(decode(InstallationEvent, body), installation)
          case "ping":
            return Effect.succeed(ignored("pong"))
          default:
            return Effect.succeed(ignored(`${event} events do not deploy.`))
        }
      }

      return GithubEvents.of({
        receive: Effect.fn("GithubEvents.receive")(function* ({ deliveryId, event, body }) {
          let parsed: unknown
          try {
            parsed = JSON.parse(body)
          } catch {
            return yield* new ApiErrors.ValidationFailed({ message: "The webhook body is not JSON.", field: "body" })
          }
          const claimed = yield* deliveries.claim(deliveryId, event)
          if (!claimed) {
            const detail = yield* deliveries.detail(deliveryId)
            return {
              deliveryId,
              status: "duplicate",
              detail: `Already received: ${detail ?? ""}`.trim(),
              deploymentIds: [],
            }
          }
          const outcome = yield* process(event, parsed).pipe(
            Effect.catchCause((cause) =>
              Effect.gen(function* () {
                const failure = Cause.squash(cause)
                const message = failure instanceof Error ? failure.message : String(failure)
                yield* deliveries.finish(deliveryId, { status: "failed", detail: message })
                yield* Effect.logWarning(`builds: GitHub delivery ${deliveryId} (${event}) failed`, cause)
                return yield* failure instanceof ApiErrors.ValidationFailed
                  ? Effect.fail(failure)
                  : Effect.fail(
                      new ApiErrors.Internal({
                        message: "Processing the delivery failed; redeliver it from GitHub once Starform is healthy.",
                      }),
                    )
              }),
            ),
          )
          yield* deliveries.finish(deliveryId, { status: outcome.status, detail: outcome.detail })
          return { deliveryId, ...outcome }
        }),
      })
    }),
  )
}
