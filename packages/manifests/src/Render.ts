import type { DesiredState } from "@starform/domain"
import * as Autoscaler from "./Autoscaler.ts"
import * as CronJob from "./CronJob.ts"
import * as Deployment from "./Deployment.ts"
import * as Namespace from "./Namespace.ts"
import * as NetworkPolicy from "./NetworkPolicy.ts"
import type { KubeObject } from "./Object.ts"
import type { Options } from "./Options.ts"
import * as Order from "./Order.ts"
import * as Route from "./Route.ts"
import * as Secret from "./Secret.ts"
import * as Service from "./Service.ts"
import * as Volume from "./Volume.ts"

/**
 * Desired state to Kubernetes objects, in apply order. Pure and deterministic: the same input gives the same
 * objects, field for field and in the same order, so their serialization is byte-identical.
 */

const present = <A>(value: A | null): ReadonlyArray<A> => (value === null ? [] : [value])

/** An environment's own objects: its namespace, its isolation policy and the volumes its services mount. */
export const environment = (environment: DesiredState.EnvironmentState): ReadonlyArray<KubeObject> => {
  const volumes = new Map<string, KubeObject>()
  for (const service of environment.services) {
    for (const mount of service.volumes) {
      if (!volumes.has(mount.name)) volumes.set(mount.name, Volume.render(environment, mount))
    }
  }
  return Order.forApply([Namespace.render(environment), NetworkPolicy.isolation(environment), ...volumes.values()])
}

/**
 * A service's objects by its type: web — Secret, stable Service (selecting `traffic.serving`), the release's
 * Deployment, HPA, gateway NetworkPolicy and HTTPRoute when public; worker — Secret, Deployment, HPA; cron —
 * Secret, CronJob. `traffic` defaults to the release serving with nothing draining.
 */
export const service = (
  service: DesiredState.ServiceState,
  options: Options,
  traffic: Service.Traffic = { serving: service.release, draining: [] },
): ReadonlyArray<KubeObject> => {
  const secret = Secret.render(service)
  switch (service.type) {
    case "cron":
      return Order.forApply([secret, CronJob.render(service)])
    case "worker":
      return Order.forApply([
        secret,
        Deployment.render(service, service.release, options),
        ...present(Autoscaler.render(service)),
      ])
    case "web":
      return Order.forApply([
        secret,
        ...present(NetworkPolicy.fromGateway(service, options)),
        Service.render(service, traffic),
        Deployment.render(service, service.release, options),
        ...present(Autoscaler.render(service)),
        ...present(Route.render(service, options)),
      ])
  }
}
