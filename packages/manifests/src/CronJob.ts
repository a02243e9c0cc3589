import type { DesiredState } from "@starform/domain"
import type { ICronJob } from "kubernetes-models/batch/v1/CronJob"
import * as Labels from "./Labels.ts"
import * as Names from "./Names.ts"
import * as Workload from "./Workload.ts"

/**
 * A cron service: one CronJob whose job template runs the current release. A new release replaces the template;
 * a run already going finishes on the release it started with. Runs never overlap.
 */
export const render = (
  service: DesiredState.ServiceState,
): ICronJob & { metadata: { name: string; namespace: string } } => ({
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: {
    name: Names.cronJob(service),
    namespace: service.namespace,
    labels: Labels.ofRelease(service, service.release),
    annotations: { "starform.io/release": `${service.release.number}` },
  },
  spec: {
    schedule: service.cronSchedule ?? "@daily",
    timeZone: "Etc/UTC",
    concurrencyPolicy: "Forbid",
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    jobTemplate: {
      metadata: { labels: Labels.ofRelease(service, service.release) },
      spec: {
        backoffLimit: service.maxRetries,
        template: Workload.podTemplate(service, service.release),
      },
    },
  },
})
