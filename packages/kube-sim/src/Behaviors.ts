import { matches } from "./apiserver/Selectors.ts"
import { isObject, type Json, type JsonObject } from "./Json.ts"
import type { KObject } from "./Objects.ts"

/**
 * How a pod's containers behave once started: the script a test gives the simulated kubelet. Readiness still
 * follows the pod's own probes: an app that never answers has a pod that is never Ready only if it has a
 * readiness probe, and is killed and restarted only if it has a liveness or startup probe.
 */
export interface PodBehavior {
  /** Time from container start until the app answers its probes (a slow start). Default 0. */
  readonly startupMs?: number
  /** The app never answers its probes. */
  readonly neverAnswers?: boolean
  /** Each run exits this long after it starts, with `exitCode` (default 1): under restartPolicy Always, a crash loop. */
  readonly crash?: { readonly afterMs: number; readonly exitCode?: number }
  /** The container runs to completion after `afterMs` with `exitCode`: a Job's work. */
  readonly exit?: { readonly afterMs: number; readonly exitCode: number }
  /** The image cannot be pulled: ErrImagePull, then ImagePullBackOff, forever. */
  readonly imagePullError?: boolean
  /** Time to pull the image and create the containers. Default 0. */
  readonly pullMs?: number
  /** Time the app takes to stop after SIGTERM (the grace period caps it). Default 1 s. */
  readonly shutdownMs?: number
  /** What the container writes, each line `atMs` after the container starts (plain strings: at start). */
  readonly logs?: ReadonlyArray<string | { readonly atMs: number; readonly line: string }>
}

/** Ready-made behaviors for the outcomes rollout tests need. */
export const Behavior = {
  /** Starts and answers at once (the default for long-running pods). */
  healthy: {} as PodBehavior,
  /** Runs, but never answers its probes. */
  neverReady: { neverAnswers: true } as PodBehavior,
  /** Takes `ms` before answering its probes. */
  slowStart: (ms: number): PodBehavior => ({ startupMs: ms }),
  /** Exits with `exitCode` `afterMs` after every start. */
  crashLoop: (afterMs = 1000, exitCode = 1): PodBehavior => ({ crash: { afterMs, exitCode } }),
  /** The image cannot be pulled. */
  imagePullError: { imagePullError: true } as PodBehavior,
  /** Runs to completion and exits 0 (the default for Job pods). */
  succeed: (afterMs = 1000, logs?: PodBehavior["logs"]): PodBehavior => ({
    exit: { afterMs, exitCode: 0 },
    ...(logs ? { logs } : {}),
  }),
  /** Runs, then exits with a non-zero code. */
  fail: (afterMs = 1000, exitCode = 1, logs?: PodBehavior["logs"]): PodBehavior => ({
    exit: { afterMs, exitCode },
    ...(logs ? { logs } : {}),
  }),
} as const

/** Which pods a script applies to; every member given must match. */
export interface PodMatch {
  /** The image of any container: exact, or a RegExp. */
  readonly image?: string | RegExp
  readonly labels?: Readonly<Record<string, string>>
  readonly namespace?: string
  readonly name?: string | RegExp
}

interface Rule {
  readonly match: PodMatch
  readonly behavior: PodBehavior
  remaining: number
}

interface Refusal {
  readonly match: PodMatch
  readonly message: string
}

const images = (pod: KObject): string[] => {
  const spec = isObject(pod.spec as Json) ? (pod.spec as JsonObject) : {}
  const containers = Array.isArray(spec.containers) ? spec.containers : []
  return containers.map((c) => (isObject(c) && typeof c.image === "string" ? c.image : ""))
}

const test = (pattern: string | RegExp, value: string) =>
  typeof pattern === "string" ? pattern === value : pattern.test(value)

export const podMatches = (match: PodMatch, pod: KObject): boolean => {
  if (match.namespace !== undefined && pod.metadata.namespace !== match.namespace) return false
  if (match.name !== undefined && !test(match.name, pod.metadata.name ?? "")) return false
  if (match.image !== undefined && !images(pod).some((image) => test(match.image!, image))) return false
  if (match.labels !== undefined) {
    const reqs = Object.entries(match.labels).map(([key, value]) => ({ key, operator: "=" as const, values: [value] }))
    if (!matches(reqs, pod.metadata.labels)) return false
  }
  return true
}

/** The scripts in force: the newest matching one decides a pod's behavior when the kubelet first sees it. */
export class Behaviors {
  private rules: Rule[] = []
  private refusals: Refusal[] = []

  /** Pods matching `match` behave as `behavior`, for the next `times` pods (all of them by default). */
  script(match: PodMatch, behavior: PodBehavior, options: { readonly times?: number } = {}): () => void {
    const rule: Rule = { match, behavior, remaining: options.times ?? Number.POSITIVE_INFINITY }
    this.rules.unshift(rule)
    return () => {
      this.rules = this.rules.filter((r) => r !== rule)
    }
  }

  /** Creating a matching pod is refused with 403 Forbidden (as an exhausted ResourceQuota does). */
  refuse(
    match: PodMatch,
    message = "exceeded quota: compute-resources, requested: pods=1, used: pods=0, limited: pods=0",
  ): () => void {
    const refusal: Refusal = { match, message }
    this.refusals.push(refusal)
    return () => {
      this.refusals = this.refusals.filter((r) => r !== refusal)
    }
  }

  refusalFor(pod: KObject): string | undefined {
    return this.refusals.find((r) => podMatches(r.match, pod))?.message
  }

  clear(): void {
    this.rules = []
    this.refusals = []
  }

  forPod(pod: KObject): PodBehavior {
    const rule = this.rules.find((r) => r.remaining > 0 && podMatches(r.match, pod))
    if (rule) {
      rule.remaining--
      return rule.behavior
    }
    const spec = isObject(pod.spec as Json) ? (pod.spec as JsonObject) : {}
    return spec.restartPolicy === "Always" || spec.restartPolicy === undefined ? Behavior.healthy : Behavior.succeed()
  }
}
