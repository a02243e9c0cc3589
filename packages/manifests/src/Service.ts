import type { DesiredState } from "@starform/domain"
import type { IService } from "kubernetes-models/v1/Service"
import * as Labels from "./Labels.ts"
import * as Names from "./Names.ts"

/**
 * A web service's stable Service, named after the service (`<name>.<namespace>.svc.cluster.local`). Its selector
 * names one release, the one serving; it moves to a new release only once that release is ready (Shuttle decides,
 * see `Traffic`). Releases that stopped serving and are draining are listed in an annotation, with when they go.
 */

export const drainingAnnotation = "starform.io/draining"

/** Where traffic goes, and which former releases drain until when (milliseconds since the epoch). */
export interface Traffic {
  readonly serving: DesiredState.Release
  readonly draining: ReadonlyArray<Draining>
}

export interface Draining {
  readonly deploymentId: string
  readonly untilMs: number
}

/** `dep_a@1700000000000,dep_b@…`, in the order given. */
export const formatDraining = (draining: ReadonlyArray<Draining>): string =>
  draining.map((entry) => `${entry.deploymentId}@${entry.untilMs}`).join(",")

/** The annotation's entries; anything malformed is skipped. */
export const parseDraining = (value: string | undefined): ReadonlyArray<Draining> =>
  (value ?? "")
    .split(",")
    .map((entry) => entry.split("@"))
    .filter((parts): parts is [string, string] => parts.length === 2 && parts[0] !== "" && /^\d+$/.test(parts[1]!))
    .map(([deploymentId, until]) => ({ deploymentId, untilMs: Number(until) }))

export const render = (
  service: DesiredState.ServiceState,
  traffic: Traffic,
): IService & { metadata: { name: string; namespace: string } } => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: {
    name: Names.service(service),
    namespace: service.namespace,
    labels: Labels.ofService(service),
    ...(traffic.draining.length === 0
      ? {}
      : { annotations: { [drainingAnnotation]: formatDraining(traffic.draining) } }),
  },
  spec: {
    type: "ClusterIP",
    selector: Labels.releaseSelector(service, traffic.serving),
    ports: [{ name: "http", port: service.port ?? 80, targetPort: "http", protocol: "TCP" }],
  },
})
