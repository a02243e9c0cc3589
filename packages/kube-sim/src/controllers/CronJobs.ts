import { ApiError } from "../apiserver/Status.ts"
import { parseTime, rfc3339 } from "../Clock.ts"
import { clone, isObject, type JsonObject } from "../Json.ts"
import { type KObject, namespaced, ownerRef } from "../Objects.ts"
import { nextRun } from "../Schedule.ts"
import { type Context, controllerManager, num, ownedBy, spec, status, str, writeStatus } from "./Context.ts"
import { finished } from "./Jobs.ts"
import { type Controller, ownerKeys, selfKey, splitKey } from "./Runner.ts"

/**
 * The CronJob controller: at each scheduled time (UTC) it creates a Job named `<cronjob>-<minutes since epoch>`,
 * honouring suspend, startingDeadlineSeconds and concurrencyPolicy, and keeps the job history limits.
 */
export class CronJobs implements Controller {
  readonly name = "cronjob-controller"
  readonly triggers: Controller["triggers"]

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    this.triggers = [
      { resource: ctx.types.cronJobs, keys: selfKey },
      { resource: ctx.types.jobs, keys: ownerKeys("CronJob") },
    ]
  }

  sync(key: string): void {
    const { cluster, types, clock, scheduler } = this.ctx
    const [namespace, name] = splitKey(key)
    const cronJob = cluster.find(types.cronJobs, namespace, name)
    if (!cronJob || cronJob.metadata.deletionTimestamp) return
    const cjSpec = spec(cronJob)
    const schedule = str(cjSpec.schedule) ?? ""
    const now = clock.now()
    const jobs = ownedBy(this.ctx, cronJob, types.jobs)
    let active = jobs.filter((job) => !finished(job))
    const old = status(cronJob)
    let lastScheduleTime = str(old.lastScheduleTime)
    let lastSuccessfulTime = str(old.lastSuccessfulTime)
    for (const job of jobs) {
      if (finished(job) === "Complete") {
        const completed = str(status(job).completionTime)
        if (completed && (!lastSuccessfulTime || completed > lastSuccessfulTime)) lastSuccessfulTime = completed
      }
    }
    const from = parseTime(lastScheduleTime) ?? parseTime(cronJob.metadata.creationTimestamp) ?? now
    let due: number | undefined
    let next = nextRun(schedule, from)
    for (let guard = 0; next !== undefined && next <= now && guard < 1000; guard++) {
      due = next
      next = nextRun(schedule, next)
    }
    if (due !== undefined && cjSpec.suspend !== true) {
      const deadline = cjSpec.startingDeadlineSeconds
      const late = typeof deadline === "number" && now - due > deadline * 1000
      const policy = str(cjSpec.concurrencyPolicy) ?? "Allow"
      if (!late && !(policy === "Forbid" && active.length > 0)) {
        if (policy === "Replace")
          for (const job of active)
            cluster.delete(types.jobs, namespace, job.metadata.name ?? "", { propagationPolicy: "Background" })
        if (policy === "Replace") active = []
        const job = this.createJob(cronJob, due)
        if (job) active.push(job)
        lastScheduleTime = rfc3339(due)
      } else if (late) lastScheduleTime = rfc3339(due)
    }
    if (next !== undefined && cjSpec.suspend !== true) scheduler.requeueAt(this.name, key, next)
    this.trimHistory(jobs)
    const nextStatus: JsonObject = {
      ...(active.length > 0
        ? {
            active: active.map((job) => ({
              apiVersion: "batch/v1",
              kind: "Job",
              name: job.metadata.name ?? "",
              namespace: job.metadata.namespace ?? "",
              uid: job.metadata.uid ?? "",
              resourceVersion: job.metadata.resourceVersion ?? "",
            })),
          }
        : {}),
      ...(lastScheduleTime ? { lastScheduleTime } : {}),
      ...(lastSuccessfulTime ? { lastSuccessfulTime } : {}),
    }
    const current = cluster.find(types.cronJobs, namespace, name)
    if (current) writeStatus(this.ctx, types.cronJobs, current, nextStatus, controllerManager)
  }

  private createJob(cronJob: KObject, scheduled: number): KObject | undefined {
    const template = isObject(spec(cronJob).jobTemplate) ? (spec(cronJob).jobTemplate as JsonObject) : {}
    const metadata = isObject(template.metadata) ? template.metadata : {}
    const job: KObject = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: `${cronJob.metadata.name ?? ""}-${Math.floor(scheduled / 60_000)}`,
        ...namespaced(cronJob.metadata.namespace),
        labels: clone((metadata.labels ?? {}) as Record<string, string>),
        annotations: {
          ...clone((metadata.annotations ?? {}) as Record<string, string>),
          "batch.kubernetes.io/cronjob-scheduled-timestamp": rfc3339(scheduled),
        },
        ownerReferences: [ownerRef(cronJob)],
      },
      spec: clone(isObject(template.spec) ? template.spec : {}),
    }
    try {
      return this.ctx.cluster.create(this.ctx.types.jobs, cronJob.metadata.namespace, job, {
        manager: controllerManager,
      })
    } catch (error) {
      if (error instanceof ApiError && error.code === 409) return undefined
      throw error
    }
  }

  private trimHistory(jobs: KObject[]) {
    const cronJob = jobs[0]?.metadata.ownerReferences?.find((r) => r.kind === "CronJob")
    if (!cronJob) return
    const owner = this.ctx.cluster.store.byUidLookup(cronJob.uid)
    if (!owner) return
    const limits = {
      Complete: num(spec(owner).successfulJobsHistoryLimit, 3),
      Failed: num(spec(owner).failedJobsHistoryLimit, 1),
    }
    for (const outcome of ["Complete", "Failed"] as const) {
      const done = jobs
        .filter((job) => finished(job) === outcome && !job.metadata.deletionTimestamp)
        .sort(
          (a, b) =>
            (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") ||
            (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""),
        )
      for (const job of done.slice(0, Math.max(0, done.length - limits[outcome])))
        this.ctx.cluster.delete(this.ctx.types.jobs, job.metadata.namespace, job.metadata.name ?? "", {
          propagationPolicy: "Background",
        })
    }
  }
}
