import type { DesiredState } from "@starform/domain"
import type { Service } from "@starform/manifests"

/**
 * Where a web service's traffic goes (the stable Service's selector), decided from what the cluster shows:
 *
 * - the release moves in only once its Deployment is complete and ready;
 * - until then whatever is serving keeps serving: the release already selected, else the previous release;
 * - a first deploy (nothing before it) is selected from the start: there is nothing else to serve;
 * - the release that stops serving drains for `drainingSeconds`, then goes; drains already under way continue.
 *
 * A service with a volume cannot run two releases at once (block storage attaches to one node), so its new release
 * takes over at once and the previous one stops without draining.
 */

export interface Inputs {
  readonly service: DesiredState.ServiceState
  /** The release the live stable Service selects (null: no Service yet, or it selects something unknown). */
  readonly selected: string | null
  /** Drains recorded on the live stable Service. */
  readonly draining: ReadonlyArray<Service.Draining>
  /** Whether the release's Deployment is complete and ready. */
  readonly releaseReady: boolean
  readonly nowMs: number
}

export interface Decision extends Service.Traffic {
  /** Releases whose drain is over: their Deployments are removed. */
  readonly expired: ReadonlyArray<string>
}

export const decide = (inputs: Inputs): Decision => {
  const { service, selected, releaseReady, nowMs } = inputs
  const release = service.release
  const previous = service.previousRelease
  const exclusive = service.volumes.length > 0
  const serving: DesiredState.Release =
    releaseReady || exclusive
      ? release
      : selected === release.deploymentId
        ? release
        : previous !== null
          ? previous
          : release

  const stillDraining = inputs.draining.filter(
    (entry) => entry.deploymentId !== serving.deploymentId && entry.untilMs > nowMs,
  )
  const expired = inputs.draining
    .filter((entry) => entry.deploymentId !== serving.deploymentId && entry.untilMs <= nowMs)
    .map((entry) => entry.deploymentId)
  const leaving =
    selected !== null &&
    selected !== serving.deploymentId &&
    !stillDraining.some((entry) => entry.deploymentId === selected) &&
    !expired.includes(selected)
      ? [{ deploymentId: selected, untilMs: exclusive ? nowMs : nowMs + service.drainingSeconds * 1000 }]
      : []
  const draining = [...stillDraining, ...leaving].filter((entry) => entry.untilMs > nowMs)
  const expiredNow = [...expired, ...leaving.filter((entry) => entry.untilMs <= nowMs).map((e) => e.deploymentId)]
  return { serving, draining, expired: expiredNow }
}
