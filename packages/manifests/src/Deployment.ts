import type { DesiredState } from "@starform/domain"
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment"
import * as Labels from "./Labels.ts"
import * as Names from "./Names.ts"
import type { Options } from "./Options.ts"
import * as Workload from "./Workload.ts"

/**
 * A web service's or worker's release as a Deployment of its own: traffic moves between releases by the stable
 * Service's selector, never by replacing pods under it. Within a release (new variables, scaling) the Deployment
 * rolls with the service's surge limits; the default never drops below the desired count.
 */
export const render = (
  service: DesiredState.ServiceState,
  release: DesiredState.Release,
  options: Options,
): IDeployment & { metadata: { name: string; namespace: string } } => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: Names.deployment(service, release),
    namespace: service.namespace,
    labels: Labels.ofRelease(service, release),
    annotations: { "starform.io/release": `${release.number}` },
  },
  spec: {
    // An autoscaled release leaves the count to its HPA: a count here would fight it on every apply.
    ...(service.scaling.mode === "fixed" ? { replicas: service.scaling.replicas } : {}),
    selector: { matchLabels: Labels.releaseSelector(service, release) },
    // A block-storage volume attaches to one node at a time: old pods must let go before new ones start.
    strategy:
      service.volumes.length > 0
        ? { type: "Recreate" }
        : {
            type: "RollingUpdate",
            rollingUpdate: {
              // Kubernetes refuses both limits at zero: one extra pod at a time is the gentlest rollout that moves.
              maxSurge:
                service.rollout.maxSurgePercent === 0 && service.rollout.maxUnavailablePercent === 0
                  ? 1
                  : `${service.rollout.maxSurgePercent}%`,
              maxUnavailable: `${service.rollout.maxUnavailablePercent}%`,
            },
          },
    minReadySeconds: options.minReadySeconds,
    progressDeadlineSeconds: options.progressDeadlineSeconds,
    revisionHistoryLimit: 2,
    template: Workload.podTemplate(service, release),
  },
})
