import type { DeploymentsApi, Ids } from "@starform/domain"
import { type Cause, Effect, Schedule, Stream } from "effect"
import { type AsyncResult, Atom } from "effect/reactivity"
import { Api } from "./Client.ts"

/**
 * Live deployment status: one server-sent event stream per environment (`watchDeployments`), shared by every
 * component that shows the environment's services. The gateway sends the whole picture whenever a status changes,
 * so a page shows a change within a fraction of a second without asking again and again (each question would spend
 * the person's request budget). The stream is opened again when the server ends it or the connection drops.
 */
export const environmentDeployments: (
  environmentId: Ids.EnvironmentId,
) => Atom.Atom<AsyncResult.AsyncResult<ReadonlyArray<DeploymentsApi.ServiceDeployments>, Cause.NoSuchElementError>> =
  Atom.family((environmentId: Ids.EnvironmentId) =>
    Api.runtime.atom(
      Stream.unwrap(
        Effect.gen(function* () {
          const client = yield* Api
          return yield* client.deployments.watchDeployments({ params: { environmentId }, query: {} })
        }),
      ).pipe(Stream.retry(Schedule.spaced("1 second")), Stream.repeat(Schedule.spaced("200 millis")), Stream.orDie),
    ),
  )

/** One service's deployments in its environment's stream, newest first (empty until the first event). */
export const deploymentsOf = (
  all: ReadonlyArray<DeploymentsApi.ServiceDeployments>,
  serviceId: Ids.ServiceId,
): ReadonlyArray<DeploymentsApi.DeploymentView> => all.find((s) => s.serviceId === serviceId)?.deployments ?? []
