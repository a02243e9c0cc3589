import type { DesiredState } from "@starform/domain"
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler"
import type { IMetricSpec } from "kubernetes-models/autoscaling/v2/MetricSpec"
import * as Labels from "./Labels.ts"
import * as Names from "./Names.ts"

/**
 * An autoscaled service's HPA (autoscaling/v2, CPU and memory from metrics-server), scaling the current release.
 * The cooldowns are the stabilization windows. Null for a service with a fixed count.
 */
export const render = (
  service: DesiredState.ServiceState,
): (IHorizontalPodAutoscaler & { metadata: { name: string; namespace: string } }) | null => {
  const scaling = service.scaling
  if (scaling.mode !== "autoscale" || service.type === "cron") return null
  const metrics: Array<IMetricSpec> = []
  const utilization = (name: string, averageUtilization: number): IMetricSpec => ({
    type: "Resource",
    resource: { name, target: { type: "Utilization", averageUtilization } },
  })
  if (scaling.targetCpuPercent !== null) metrics.push(utilization("cpu", scaling.targetCpuPercent))
  if (scaling.targetMemoryPercent !== null) metrics.push(utilization("memory", scaling.targetMemoryPercent))
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: Names.service(service), namespace: service.namespace, labels: Labels.ofService(service) },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: Names.deployment(service, service.release) },
      minReplicas: scaling.minReplicas,
      maxReplicas: Math.max(scaling.minReplicas, scaling.maxReplicas),
      // Neither target set: CPU at Kubernetes' customary 80%, so the HPA has something to scale on.
      metrics: metrics.length > 0 ? metrics : [utilization("cpu", 80)],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: scaling.scaleUpCooldownSeconds },
        scaleDown: { stabilizationWindowSeconds: scaling.scaleDownCooldownSeconds },
      },
    },
  }
}
