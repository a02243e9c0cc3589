import { rfc3339 } from "../Clock.ts"
import { isObject, type JsonObject } from "../Json.ts"
import { conditionsOf, setCondition } from "../Objects.ts"
import { type Context, controllerManager, list, num, spec, status, str, writeStatus } from "./Context.ts"
import { type Controller, selfKey, splitKey } from "./Runner.ts"

const tolerance = 0.1
const downscaleWindowMs = 300_000

/**
 * The HorizontalPodAutoscaler controller over scripted metrics (`sim.metrics.set`): every sync period it compares
 * utilization with the Resource targets, scales the target through its `/scale` subresource (within min and max,
 * a 10% tolerance and a five-minute scale-down stabilization window) and reports conditions.
 */
export class Autoscalers implements Controller {
  readonly name = "horizontal-pod-autoscaler"
  readonly triggers: Controller["triggers"]
  private readonly recommendations = new Map<string, Array<{ at: number; replicas: number }>>()

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    this.triggers = [{ resource: ctx.types.hpas, keys: selfKey }]
  }

  sync(key: string): void {
    const { cluster, types, clock, scheduler, metrics, timing } = this.ctx
    const [namespace, name] = splitKey(key)
    const hpa = cluster.find(types.hpas, namespace, name)
    if (!hpa) {
      this.recommendations.delete(key)
      return
    }
    scheduler.requeueAt(this.name, key, clock.now() + timing.hpaSyncMs)
    const hSpec = spec(hpa)
    const ref = isObject(hSpec.scaleTargetRef) ? hSpec.scaleTargetRef : {}
    const iso = clock.iso()
    let conditions = conditionsOf(status(hpa).conditions)
    const target =
      ref.kind === "Deployment" ? cluster.find(types.deployments, namespace, str(ref.name) ?? "") : undefined
    if (!target) {
      conditions = setCondition(
        conditions,
        {
          type: "AbleToScale",
          status: "False",
          reason: "FailedGetScale",
          message: `the HPA controller was unable to get the target's current scale: deployments.apps "${str(ref.name) ?? ""}" not found`,
        },
        iso,
      )
      writeStatus(
        this.ctx,
        types.hpas,
        hpa,
        { ...status(hpa), conditions: conditions, currentReplicas: 0, desiredReplicas: 0 },
        controllerManager,
      )
      return
    }
    const current = num(spec(target).replicas, 1)
    const min = num(hSpec.minReplicas, 1)
    const max = num(hSpec.maxReplicas, 1)
    const sample = metrics.get(namespace, str(ref.name) ?? "")
    const currentMetrics: JsonObject[] = []
    let proposal = 0
    let missing: string | undefined
    for (const metric of list(hSpec.metrics).filter(isObject)) {
      if (metric.type !== "Resource" || !isObject(metric.resource)) continue
      const resource = str(metric.resource.name) ?? ""
      const goal = isObject(metric.resource.target) ? num(metric.resource.target.averageUtilization) : 0
      const value = resource === "cpu" ? sample?.cpu : resource === "memory" ? sample?.memory : undefined
      if (value === undefined || goal <= 0) {
        missing = resource
        continue
      }
      currentMetrics.push({ type: "Resource", resource: { name: resource, current: { averageUtilization: value } } })
      const ratio = value / goal
      proposal = Math.max(proposal, Math.abs(ratio - 1) <= tolerance ? current : Math.ceil(current * ratio))
    }
    if (proposal === 0 || missing !== undefined) {
      conditions = setCondition(
        conditions,
        {
          type: "AbleToScale",
          status: "True",
          reason: "SucceededGetScale",
          message: "the HPA controller was able to get the target's current scale",
        },
        iso,
      )
      conditions = setCondition(
        conditions,
        {
          type: "ScalingActive",
          status: "False",
          reason: "FailedGetResourceMetric",
          message: `the HPA was unable to compute the replica count: failed to get ${missing ?? "cpu"} utilization: unable to get metrics for resource ${missing ?? "cpu"}: no metrics returned from resource metrics API`,
        },
        iso,
      )
      writeStatus(
        this.ctx,
        types.hpas,
        hpa,
        { conditions: conditions, currentReplicas: current, desiredReplicas: current },
        controllerManager,
      )
      return
    }
    const now = clock.now()
    const history = (this.recommendations.get(key) ?? []).filter((r) => r.at > now - downscaleWindowMs)
    history.push({ at: now, replicas: proposal })
    this.recommendations.set(key, history)
    let desired = Math.max(...history.map((r) => r.replicas))
    if (proposal > current) desired = proposal
    const limited = Math.min(Math.max(desired, min), max)
    let lastScaleTime = str(status(hpa).lastScaleTime)
    if (limited !== current) {
      cluster.updateScale(
        types.deployments,
        namespace,
        str(ref.name) ?? "",
        { spec: { replicas: limited } },
        { manager: controllerManager },
      )
      lastScaleTime = rfc3339(now)
    }
    conditions = setCondition(
      conditions,
      {
        type: "AbleToScale",
        status: "True",
        reason: limited !== current ? "SucceededRescale" : "ReadyForNewScale",
        message:
          limited !== current
            ? `the HPA controller was able to update the target scale to ${limited}`
            : "recommended size matches current size",
      },
      iso,
    )
    conditions = setCondition(
      conditions,
      {
        type: "ScalingActive",
        status: "True",
        reason: "ValidMetricFound",
        message:
          "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
      },
      iso,
    )
    conditions = setCondition(
      conditions,
      desired !== limited
        ? {
            type: "ScalingLimited",
            status: "True",
            reason: desired > max ? "TooManyReplicas" : "TooFewReplicas",
            message: `the desired replica count is ${desired > max ? "more" : "less"} than the ${desired > max ? "maximum" : "minimum"} replica count`,
          }
        : {
            type: "ScalingLimited",
            status: "False",
            reason: "DesiredWithinRange",
            message: "the desired count is within the acceptable range",
          },
      iso,
    )
    writeStatus(
      this.ctx,
      types.hpas,
      hpa,
      {
        ...(lastScaleTime ? { lastScaleTime } : {}),
        currentReplicas: current,
        desiredReplicas: limited,
        currentMetrics,
        conditions: conditions,
      },
      controllerManager,
    )
  }
}
