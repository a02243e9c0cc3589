import type { DeploymentsApi, Ids } from "@starform/domain"
import { Effect, Schedule, Stream } from "effect"
import { call, type ProjectsClient } from "./ProjectsClient.ts"

/**
 * `GET /v1/environments/{id}/deployments/stream`: what an open dashboard page watches instead of asking again and
 * again (which would spend the person's request budget). The gateway reads the environment's services and their
 * newest deployments from the projects service every `intervalMs` and sends the whole picture as one event when
 * anything in it changed, first at once. One long request per page, however many services it shows. Access is
 * decided when it opens, so it ends after `maxOpenMs` (and when the environment can no longer be read): the client
 * reconnects and is authorized again, so a person removed from the workspace stops seeing its deployments.
 */

export const intervalMs = 250
export const maxOpenMs = 5 * 60_000

const snapshot = (projects: ProjectsClient["Service"], environmentId: Ids.EnvironmentId, limit: number) =>
  Effect.gen(function* () {
    const services = yield* call(projects.ListServices({ environmentId }))
    return yield* Effect.forEach(
      services,
      (service) =>
        Effect.map(
          call(projects.ListDeployments({ serviceId: service.id, limit })),
          (deployments): DeploymentsApi.ServiceDeployments => ({ serviceId: service.id, deployments }),
        ),
      { concurrency: 4 },
    )
  })

export const watch = (
  projects: ProjectsClient["Service"],
  environmentId: Ids.EnvironmentId,
  limit: number,
): Stream.Stream<ReadonlyArray<DeploymentsApi.ServiceDeployments>> =>
  Stream.fromEffectSchedule(snapshot(projects, environmentId, limit), Schedule.spaced(`${intervalMs} millis`)).pipe(
    Stream.changesWith((a, b) => JSON.stringify(a) === JSON.stringify(b)),
    // A service deleted between the two reads, or the environment gone: the stream ends, the client reconnects.
    Stream.catchCause(() => Stream.empty),
    Stream.interruptWhen(Effect.sleep(`${maxOpenMs} millis`)),
  )
