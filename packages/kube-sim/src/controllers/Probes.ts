import type { PodBehavior } from "../Behaviors.ts"
import { isObject, type Json, type JsonObject } from "../Json.ts"
import { num } from "./Context.ts"

/** A moment that never comes: a container that never answers, never ends, is never ready. */
export const never = Number.POSITIVE_INFINITY

interface Probe {
  readonly delay: number
  readonly period: number
  readonly success: number
  readonly failure: number
}

const probeOf = (value: Json | undefined): Probe | undefined => {
  if (!isObject(value)) return undefined
  return {
    delay: num(value.initialDelaySeconds) * 1000,
    period: Math.max(1, num(value.periodSeconds, 10)) * 1000,
    success: Math.max(1, num(value.successThreshold, 1)),
    failure: Math.max(1, num(value.failureThreshold, 3)),
  }
}

/** One container run, worked out from its start time, the script and the probes. */
export interface Run {
  /** When the startup probe passed (the container's `started`); the start itself without one. */
  readonly startedAt: number
  readonly readyAt: number
  readonly endAt: number
  readonly exitCode: number
  readonly reason: string
}

const analyzeContainer = (start: number, behavior: PodBehavior, container: JsonObject): Run => {
  const answerAt = behavior.neverAnswers ? never : start + (behavior.startupMs ?? 0)
  let endAt = never
  let exitCode = 0
  if (behavior.crash) {
    endAt = start + behavior.crash.afterMs
    exitCode = behavior.crash.exitCode ?? 1
  } else if (behavior.exit) {
    endAt = start + behavior.exit.afterMs
    exitCode = behavior.exit.exitCode
  }
  let killAt = never
  const startup = probeOf(container.startupProbe)
  let startedAt = start
  if (startup) {
    const first = start + startup.delay
    const k = answerAt <= first ? 0 : Math.ceil((answerAt - first) / startup.period)
    if (k < startup.failure) startedAt = first + k * startup.period
    else {
      startedAt = never
      killAt = first + (startup.failure - 1) * startup.period
    }
  }
  const liveness = probeOf(container.livenessProbe)
  if (liveness && startedAt < never) {
    const first = Math.max(start + liveness.delay, startedAt)
    if (answerAt > first) {
      const failures = answerAt === never ? never : Math.ceil((answerAt - first) / liveness.period)
      if (failures >= liveness.failure) killAt = Math.min(killAt, first + (liveness.failure - 1) * liveness.period)
    }
  }
  const readiness = probeOf(container.readinessProbe)
  let readyAt = startedAt
  if (readiness && startedAt < never) {
    const first = Math.max(start + readiness.delay, startedAt)
    const success =
      answerAt === never
        ? never
        : answerAt <= first
          ? first
          : first + Math.ceil((answerAt - first) / readiness.period) * readiness.period
    readyAt = success === never ? never : success + (readiness.success - 1) * readiness.period
  }
  if (killAt < endAt) {
    endAt = killAt
    exitCode = 137
  }
  if (readyAt >= endAt) readyAt = never
  return { startedAt, readyAt, endAt, exitCode, reason: exitCode === 0 ? "Completed" : "Error" }
}

/** A pod's run: it starts when its slowest container has, is ready when all are, and ends with the first to end. */
export const analyze = (start: number, behavior: PodBehavior, containers: JsonObject[]): Run => {
  const runs = containers.map((c) => analyzeContainer(start, behavior, c))
  const endAt = Math.min(...runs.map((r) => r.endAt))
  const ending = runs.find((r) => r.endAt === endAt) ?? runs[0]!
  const readyAt = Math.max(...runs.map((r) => r.readyAt))
  return {
    startedAt: Math.max(...runs.map((r) => r.startedAt)),
    readyAt: readyAt >= endAt ? never : readyAt,
    endAt,
    exitCode: ending.exitCode,
    reason: ending.reason,
  }
}
