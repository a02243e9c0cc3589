import type { DesiredState, ShuttleRpc } from "@starform/domain"
import { Deployment, type KubeObject, Labels, Names, Render, Service } from "@starform/manifests"
import { Clock, Effect } from "effect"
import * as Apply from "./Apply.ts"
import { Cache } from "./Cache.ts"
import * as Diff from "./Diff.ts"
import { Inventories, keysOf } from "./Inventories.ts"
import * as Inventory from "./Inventory.ts"
import * as Prune from "./Prune.ts"
import * as Rollout from "./Rollout.ts"
import { CurrentSettings, type Settings } from "./Settings.ts"
import * as Traffic from "./Traffic.ts"

/**
 * One pass over one service, idempotent (the sample-controller's sync handler): decide where traffic goes from
 * what the cluster shows, render, record in the inventory, apply what drifted, keep a still-serving release, prune
 * what is no longer wanted (a drained release included), and judge the rollout. Returns what to report and whether
 * there is anything left to wait for.
 */

export interface Outcome {
  readonly observed: ShuttleRpc.ObservedService
  /** Nothing left to do until the desired state or the cluster changes. */
  readonly settled: boolean
  /** When the next look is due at the latest (a drain ending), in milliseconds from now; null: no deadline. */
  readonly dueInMs: number | null
  readonly written: number
}

/**
 * What a service renders to, stamped, for one traffic decision: remembered per service object (a new desired-state
 * version with the service unchanged hands over the very same object), so the passes a rollout wakes for over and
 * over do not render and hash it again.
 */
const rendered = new WeakMap<
  DesiredState.ServiceState,
  {
    readonly traffic: string
    readonly objects: ReadonlyArray<KubeObject.KubeObject>
    readonly release: KubeObject.KubeObject
  }
>()

const renderedFor = (service: DesiredState.ServiceState, options: Settings["render"], decision: Traffic.Decision) => {
  const traffic = `${decision.serving.deploymentId}|${Service.formatDraining(decision.draining)}`
  const held = rendered.get(service)
  if (held !== undefined && held.traffic === traffic) return held
  const fresh = {
    traffic,
    objects: Render.service(service, options, decision).map(Diff.stamp),
    release: held?.release ?? Diff.stamp(Deployment.render(service, service.release, options)),
  }
  rendered.set(service, fresh)
  return fresh
}

const releaseRendered = (service: DesiredState.ServiceState, options: Settings["render"]) =>
  rendered.get(service)?.release ?? Diff.stamp(Deployment.render(service, service.release, options))

const deploymentRef = (service: DesiredState.ServiceState, release: DesiredState.Release): KubeObject.ObjectRef => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  namespace: service.namespace,
  name: Names.deployment(service, release),
})

export const sync = Effect.fn("SyncService.sync")(function* (
  environment: DesiredState.EnvironmentState,
  service: DesiredState.ServiceState,
) {
  const cache = yield* Cache
  const settings = yield* CurrentSettings
  const inventories = yield* Inventories
  const nowMs = yield* Clock.currentTimeMillis
  const options = settings.render
  const release = service.release

  // The release is ready only as the cluster runs it now: its current spec, complete and ready.
  const releaseWanted = releaseRendered(service, options)
  const releaseLive = service.type === "cron" ? null : cache.get(deploymentRef(service, release))
  const releaseReady =
    releaseLive !== null &&
    !Diff.drifted(releaseWanted, releaseLive) &&
    Rollout.complete(releaseLive as Rollout.LiveDeployment)

  const stable =
    service.type === "web"
      ? cache.get({ apiVersion: "v1", kind: "Service", namespace: service.namespace, name: Names.service(service) })
      : null
  const selected =
    (stable as { spec?: { selector?: Record<string, string> } } | null)?.spec?.selector?.[Labels.deploymentId] ?? null
  const decision: Traffic.Decision =
    service.type === "web"
      ? Traffic.decide({
          service,
          selected,
          draining: Service.parseDraining(stable?.metadata.annotations?.[Service.drainingAnnotation]),
          releaseReady,
          nowMs,
        })
      : { serving: release, draining: [], expired: [] }

  // A worker's previous release runs until the new one is ready (it has no traffic, hence no drain).
  const kept: Array<DesiredState.Release> = []
  if (service.type === "web" && decision.serving.deploymentId !== release.deploymentId) kept.push(decision.serving)
  if (service.type === "worker" && service.previousRelease !== null && !releaseReady) kept.push(service.previousRelease)
  const keptObjects = kept.map((previous) => Deployment.render(service, previous, options))

  // Draining releases keep their Deployments, whatever their number, until their drain ends.
  const drainingKeys = decision.draining.flatMap((entry) =>
    keysOf(
      cache.select("Deployment", service.namespace, {
        [Labels.serviceId]: service.serviceId,
        [Labels.deploymentId]: entry.deploymentId,
      }),
    ),
  )

  const objects = renderedFor(service, options, decision).objects
  const desired = new Set([...keysOf(objects), ...keysOf(keptObjects), ...drainingKeys])
  const where = { namespace: service.namespace, name: Inventory.name, labels: Labels.ofEnvironment(environment) }
  const listed = inventories.read(where.namespace, where.name).get(service.serviceId) ?? []
  yield* inventories.record(where, service.serviceId, [...listed, ...desired])

  let written = yield* Apply.drifted(objects)
  for (const object of keptObjects) written += yield* Apply.ifMissing(object)
  written += yield* Prune.stale(Prune.leftover(listed, desired), service.serviceId)
  yield* inventories.record(where, service.serviceId, desired)

  const assessment: Rollout.Assessment =
    service.type === "cron"
      ? {
          phase: "ready",
          desiredReplicas: 0,
          updatedReplicas: 0,
          readyReplicas: 0,
          availableReplicas: 0,
          conditions: [],
          failureReason: null,
        }
      : Rollout.assess(
          cache.get(deploymentRef(service, release)) as Rollout.LiveDeployment | null,
          cache.select("Pod", service.namespace, {
            [Labels.deploymentId]: release.deploymentId,
          }) as ReadonlyArray<Rollout.LivePod>,
        )
  // A web release is ready for the user once traffic is on it, not merely once its pods are.
  const moved = decision.serving.deploymentId === release.deploymentId
  const phase = assessment.phase === "ready" && !moved ? "progressing" : assessment.phase
  const drainEnds = decision.draining.map((entry) => entry.untilMs - nowMs)
  return {
    observed: {
      serviceId: service.serviceId,
      deploymentId: release.deploymentId,
      desiredReplicas: assessment.desiredReplicas,
      updatedReplicas: assessment.updatedReplicas,
      readyReplicas: assessment.readyReplicas,
      availableReplicas: assessment.availableReplicas,
      conditions: assessment.conditions,
      phase,
      failureReason: assessment.failureReason,
    },
    // A failed release is settled too: the previous one keeps serving until the desired state changes.
    settled: phase === "failed" || (phase === "ready" && decision.draining.length === 0 && kept.length === 0),
    dueInMs: drainEnds.length === 0 ? null : Math.max(0, Math.min(...drainEnds)),
    written,
  } satisfies Outcome
})
