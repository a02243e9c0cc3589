import { parseTime } from "../Clock.ts"
import { deepEqual, isObject, type JsonObject } from "../Json.ts"
import { type Condition, conditionsOf, type KObject, setCondition } from "../Objects.ts"
import { type Context, controllerManager, list, num, spec, status, str, writeStatus } from "./Context.ts"
import { bounds } from "./Rollout.ts"
import { nsKey } from "./Runner.ts"

/**
 * The Deployment's status as the rollout stands: replica counts and the Available, Progressing (requeued for
 * progressDeadlineSeconds) and ReplicaFailure conditions; `controller` is the name the requeue goes under.
 */
export const syncStatus = (
  ctx: Context,
  controller: string,
  deployment: KObject,
  all: KObject[],
  newRS: KObject | undefined,
  progress: { reason: string; message: string } | undefined,
) => {
  const { clock, scheduler } = ctx
  const now = clock.now()
  const iso = clock.iso()
  const { desired, unavailable } = bounds(deployment)
  const sum = (f: (rs: KObject) => number) => all.reduce((n, rs) => n + f(rs), 0)
  const total = sum((rs) => num(status(rs).replicas))
  const updated = newRS ? num(status(newRS).replicas) : 0
  const ready = sum((rs) => num(status(rs).readyReplicas))
  const availableCount = sum((rs) => num(status(rs).availableReplicas))
  const old = status(deployment)
  let conditions = conditionsOf(old.conditions)

  conditions = setCondition(
    conditions,
    availableCount >= desired - unavailable
      ? {
          type: "Available",
          status: "True",
          reason: "MinimumReplicasAvailable",
          message: "Deployment has minimum availability.",
          lastUpdateTime: iso,
        }
      : {
          type: "Available",
          status: "False",
          reason: "MinimumReplicasUnavailable",
          message: "Deployment does not have minimum availability.",
          lastUpdateTime: iso,
        },
    iso,
  ).map((c) => (c.type === "Available" ? keepUpdateTime(c, conditions) : c))

  const rsName = newRS?.metadata.name ?? ""
  const complete =
    newRS !== undefined &&
    updated === desired &&
    num(spec(newRS).replicas) === desired &&
    total === desired &&
    availableCount === desired &&
    all.every((rs) => rs === newRS || num(status(rs).replicas) === 0)
  const deadline = spec(deployment).progressDeadlineSeconds
  const previous = conditions.find((c) => c.type === "Progressing")
  const oldReplicas = total - updated
  const prevOld = num(old.replicas) - num(old.updatedReplicas)
  const progressed =
    updated > num(old.updatedReplicas) ||
    ready > num(old.readyReplicas) ||
    availableCount > num(old.availableReplicas) ||
    oldReplicas < prevOld
  if (typeof deadline === "number" && spec(deployment).paused !== true) {
    if (complete) {
      conditions = setCondition(
        conditions,
        {
          type: "Progressing",
          status: "True",
          reason: "NewReplicaSetAvailable",
          message: `ReplicaSet "${rsName}" has successfully progressed.`,
          lastUpdateTime: iso,
        },
        iso,
      )
    } else if (progress) {
      conditions = setCondition(
        conditions,
        { type: "Progressing", status: "True", ...progress, lastUpdateTime: iso },
        iso,
      )
    } else if (progressed || previous === undefined || previous.reason === "NewReplicaSetAvailable") {
      conditions = setCondition(
        conditions,
        {
          type: "Progressing",
          status: "True",
          reason: "ReplicaSetUpdated",
          message: `ReplicaSet "${rsName}" is progressing.`,
          lastUpdateTime: iso,
        },
        iso,
      )
    } else {
      const since = parseTime(previous.lastUpdateTime) ?? now
      if (since + deadline * 1000 <= now) {
        if (previous.reason !== "ProgressDeadlineExceeded")
          conditions = setCondition(
            conditions,
            {
              type: "Progressing",
              status: "False",
              reason: "ProgressDeadlineExceeded",
              message: `ReplicaSet "${rsName}" has timed out progressing.`,
              lastUpdateTime: iso,
            },
            iso,
          )
      } else scheduler.requeueAt(controller, nsKey(deployment), since + deadline * 1000)
    }
    const current = conditions.find((c) => c.type === "Progressing")
    if (current && current.reason !== "NewReplicaSetAvailable" && current.reason !== "ProgressDeadlineExceeded") {
      const since = parseTime(current.lastUpdateTime) ?? now
      scheduler.requeueAt(controller, nsKey(deployment), since + deadline * 1000)
    }
  }

  const failure = newRS
    ? (list(status(newRS).conditions).find((c) => isObject(c) && c.type === "ReplicaFailure") as JsonObject | undefined)
    : undefined
  if (failure && failure.status === "True") {
    conditions = setCondition(
      conditions,
      {
        type: "ReplicaFailure",
        status: "True",
        reason: str(failure.reason) ?? "FailedCreate",
        message: str(failure.message) ?? "",
        lastUpdateTime: iso,
      },
      iso,
    )
  } else conditions = conditions.filter((c) => c.type !== "ReplicaFailure")

  const next: JsonObject = {
    observedGeneration: deployment.metadata.generation ?? 1,
    replicas: total,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: availableCount,
    unavailableReplicas: Math.max(desired - availableCount, 0),
    conditions: conditions,
  }
  for (const field of ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"])
    if (next[field] === 0) delete next[field]
  // A status write that changes only lastUpdateTime of a settled condition is not worth a new resourceVersion.
  const stable = (s: JsonObject) => ({
    ...s,
    conditions: list(s.conditions).map((c) =>
      isObject(c) && !(c.type === "Progressing" && c.reason === "ReplicaSetUpdated")
        ? { ...c, lastUpdateTime: null }
        : c,
    ),
  })
  if (deepEqual(stable(old), stable(next)) && !progress && !progressed) return
  writeStatus(ctx, ctx.types.deployments, deployment, next, controllerManager)
}

const keepUpdateTime = (condition: Condition, previous: Condition[]): Condition => {
  const before = previous.find((c) => c.type === condition.type)
  if (before && before.status === condition.status && before.reason === condition.reason)
    return { ...condition, lastUpdateTime: before.lastUpdateTime ?? condition.lastUpdateTime ?? "" }
  return condition
}
