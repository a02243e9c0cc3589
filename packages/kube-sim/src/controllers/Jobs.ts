import { parseTime, rfc3339 } from "../Clock.ts"
import { isObject, type JsonObject } from "../Json.ts"
import { conditionsOf, type KObject, podFromTemplate, setCondition } from "../Objects.ts"
import {
  type Context,
  controllerManager,
  isActive,
  list,
  num,
  ownedBy,
  podReady,
  spec,
  status,
  str,
  writeStatus,
} from "./Context.ts"
import { type Controller, ownerKeys, selfKey, splitKey } from "./Runner.ts"

interface Tally {
  readonly succeeded: Set<string>
  readonly failed: Set<string>
  lastFailureAt: number | undefined
}

const restarts = (pod: KObject) =>
  list(status(pod).containerStatuses).reduce<number>((n, c) => n + (isObject(c) ? num(c.restartCount) : 0), 0)

export const finished = (job: KObject): "Complete" | "Failed" | undefined => {
  for (const c of list(status(job).conditions))
    if (isObject(c) && c.status === "True" && (c.type === "Complete" || c.type === "Failed")) return c.type
  return undefined
}

/**
 * The Job controller: runs pods until `completions` succeed, retries failures with back-off up to `backoffLimit`
 * (restarts count under OnFailure), enforces `activeDeadlineSeconds`, and finishes with SuccessCriteriaMet +
 * Complete or FailureTarget + Failed; `ttlSecondsAfterFinished` removes it afterwards.
 */
export class Jobs implements Controller {
  readonly name = "job-controller"
  readonly triggers: Controller["triggers"]
  private readonly tallies = new Map<string, Tally>()

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    this.triggers = [
      { resource: ctx.types.jobs, keys: selfKey },
      { resource: ctx.types.pods, keys: ownerKeys("Job") },
    ]
  }

  sync(key: string): void {
    const { cluster, types, clock, scheduler } = this.ctx
    const [namespace, name] = splitKey(key)
    const job = cluster.find(types.jobs, namespace, name)
    if (!job) return
    const uid = job.metadata.uid ?? ""
    if (job.metadata.deletionTimestamp) {
      this.tallies.delete(uid)
      return
    }
    const now = clock.now()
    const iso = clock.iso()
    const jobSpec = spec(job)
    const old = status(job)
    const done = finished(job)
    if (done) {
      const ttl = jobSpec.ttlSecondsAfterFinished
      if (typeof ttl === "number") {
        const at = (parseTime(str(old.completionTime)) ?? parseTime(lastTransition(job, done)) ?? now) + ttl * 1000
        if (at <= now) cluster.delete(types.jobs, namespace, name, { propagationPolicy: "Background" })
        else scheduler.requeueAt(this.name, key, at)
      }
      return
    }
    let tally = this.tallies.get(uid)
    if (!tally) {
      tally = { succeeded: new Set(), failed: new Set(), lastFailureAt: undefined }
      this.tallies.set(uid, tally)
    }
    const pods = ownedBy(this.ctx, job, types.pods)
    for (const pod of pods) {
      const phase = status(pod).phase
      const podUid = pod.metadata.uid ?? ""
      if (phase === "Succeeded") tally.succeeded.add(podUid)
      if (phase === "Failed" && !tally.failed.has(podUid)) {
        tally.failed.add(podUid)
        tally.lastFailureAt = now
      }
    }
    const active = pods.filter(isActive)
    const completions = typeof jobSpec.completions === "number" ? jobSpec.completions : undefined
    const parallelism = num(jobSpec.parallelism, 1)
    const backoffLimit = num(jobSpec.backoffLimit, 6)
    const onFailure =
      str(
        isObject(jobSpec.template) && isObject(jobSpec.template.spec) ? jobSpec.template.spec.restartPolicy : undefined,
      ) === "OnFailure"
    const failures = tally.failed.size + (onFailure ? active.reduce((n, p) => n + restarts(p), 0) : 0)
    const startTime = str(old.startTime) ?? iso
    const start = parseTime(startTime) ?? now
    let conditions = conditionsOf(old.conditions)
    let outcome: "Complete" | "Failed" | undefined
    let failReason: { reason: string; message: string } | undefined
    const succeeded = tally.succeeded.size
    if (completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0)
      outcome = "Complete"
    else if (failures > backoffLimit) {
      outcome = "Failed"
      failReason = { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }
    } else if (typeof jobSpec.activeDeadlineSeconds === "number") {
      const deadline = start + jobSpec.activeDeadlineSeconds * 1000
      if (deadline <= now) {
        outcome = "Failed"
        failReason = { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" }
      } else scheduler.requeueAt(this.name, key, deadline)
    }
    if (outcome === "Complete") {
      conditions = setCondition(
        conditions,
        {
          type: "SuccessCriteriaMet",
          status: "True",
          reason: "CompletionsReached",
          message: "Reached expected number of succeeded pods",
          lastProbeTime: iso,
        },
        iso,
      )
      conditions = setCondition(
        conditions,
        {
          type: "Complete",
          status: "True",
          reason: "CompletionsReached",
          message: "Reached expected number of succeeded pods",
          lastProbeTime: iso,
        },
        iso,
      )
    } else if (outcome === "Failed" && failReason) {
      for (const pod of active) cluster.delete(types.pods, pod.metadata.namespace, pod.metadata.name ?? "", {})
      conditions = setCondition(
        conditions,
        { type: "FailureTarget", status: "True", ...failReason, lastProbeTime: iso },
        iso,
      )
      conditions = setCondition(conditions, { type: "Failed", status: "True", ...failReason, lastProbeTime: iso }, iso)
    } else if (jobSpec.suspend !== true) {
      const remaining =
        completions !== undefined ? completions - succeeded - active.length : parallelism - active.length
      const want = Math.min(parallelism - active.length, Math.max(0, remaining))
      const backoffUntil =
        tally.lastFailureAt === undefined
          ? now
          : tally.lastFailureAt + Math.min(10_000 * 2 ** Math.max(0, tally.failed.size - 1), 360_000)
      if (want > 0 && backoffUntil > now) scheduler.requeueAt(this.name, key, backoffUntil)
      else for (let i = 0; i < want; i++) active.push(this.createPod(job))
    }
    const terminating = pods.filter(
      (p) =>
        p.metadata.deletionTimestamp && !isActive(p) && status(p).phase !== "Succeeded" && status(p).phase !== "Failed",
    ).length
    const next: JsonObject = {
      ...(conditions.length > 0 ? { conditions: conditions } : {}),
      startTime,
      ...(outcome === "Complete" ? { completionTime: rfc3339(now) } : {}),
      ...(outcome ? {} : { active: active.length }),
      ready: outcome ? 0 : active.filter(podReady).length,
      ...(succeeded > 0 ? { succeeded } : {}),
      ...(tally.failed.size > 0 ? { failed: tally.failed.size } : {}),
      terminating,
      uncountedTerminatedPods: {},
    }
    if (next.active === 0) delete next.active
    writeStatus(this.ctx, types.jobs, job, next, controllerManager)
    if (outcome) {
      this.tallies.delete(uid)
      const ttl = jobSpec.ttlSecondsAfterFinished
      if (typeof ttl === "number") scheduler.requeueAt(this.name, key, now + ttl * 1000)
    }
  }

  private createPod(job: KObject): KObject {
    const pod = podFromTemplate(job)
    return this.ctx.cluster.create(this.ctx.types.pods, job.metadata.namespace, pod, { manager: controllerManager })
  }
}

const lastTransition = (job: KObject, type: string): string | undefined => {
  const c = list(status(job).conditions).find((x) => isObject(x) && x.type === type)
  return isObject(c) ? str(c.lastTransitionTime) : undefined
}
