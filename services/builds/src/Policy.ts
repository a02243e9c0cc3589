import { BuildsRpc, type Identity } from "@starform/domain"

/**
 * What a workspace's plan allows its builds, and the rules built on it: how long a build may run, how large its
 * image may be, how many build at once, and when a failed attempt is tried again. Pure: no clock, no I/O.
 */

export type Plan = Identity.WorkspacePlan

export interface PlanLimits {
  /** Builds of the workspace that may run at once; the rest wait queued. */
  readonly concurrentBuilds: number
  /** The longest timeout a service may ask for. */
  readonly maxTimeoutSeconds: number
  /** The largest image a build may push. */
  readonly imageSizeLimitBytes: number
}

export const gigabyte = 1_000_000_000

/** A build's timeout when its service sets none: 30 minutes. */
export const defaultTimeoutSeconds = 30 * 60

/** The image size limit: 10 GB. */
export const defaultImageSizeLimitBytes = 10 * gigabyte

export const limits: { readonly [P in Plan]: PlanLimits } = {
  hobby: { concurrentBuilds: 1, maxTimeoutSeconds: 30 * 60, imageSizeLimitBytes: defaultImageSizeLimitBytes },
  pro: { concurrentBuilds: 3, maxTimeoutSeconds: 60 * 60, imageSizeLimitBytes: defaultImageSizeLimitBytes },
  team: { concurrentBuilds: 5, maxTimeoutSeconds: 90 * 60, imageSizeLimitBytes: defaultImageSizeLimitBytes },
  enterprise: { concurrentBuilds: 10, maxTimeoutSeconds: 120 * 60, imageSizeLimitBytes: defaultImageSizeLimitBytes },
}

/** Why a requested timeout is refused, in words a user can act on; undefined when it is allowed. */
export const timeoutRefusal = (plan: Plan, seconds: number): string | undefined => {
  const maximum = limits[plan].maxTimeoutSeconds
  if (!Number.isInteger(seconds) || seconds < 60) return "must be a whole number of seconds, at least 60"
  if (seconds > maximum)
    return `must be at most ${maximum} seconds (${maximum / 60} minutes) on the ${plan} plan; upgrade the plan for longer builds`
  return undefined
}

/** The timeout a build gets: the service's own setting, clamped to what the plan allows, or the default. */
export const timeoutFor = (plan: Plan, serviceTimeoutSeconds: number | null): number =>
  Math.min(serviceTimeoutSeconds ?? defaultTimeoutSeconds, limits[plan].maxTimeoutSeconds)

/** Infrastructure faults are tried again this many times (so a build has at most 3 attempts). */
export const maxRetries = 2

/**
 * How long to wait before attempt `nextAttempt` (2 or 3): `base`, then 4 × `base`, each with up to 20 % jitter
 * taken from `random` (0..1) so that builds failed by one outage do not all return at the same instant.
 */
export const backoffMs = (nextAttempt: number, baseMs: number, random: number): number => {
  const exponent = Math.max(0, nextAttempt - 2)
  const delay = baseMs * 4 ** exponent
  return Math.round(delay * (1 + 0.2 * Math.min(1, Math.max(0, random))))
}

/** Whether a build whose attempt `attempt` failed with an infrastructure fault gets another attempt. */
export const retries = (attempt: number): boolean => attempt <= maxRetries

/** Why queued builds of a workspace wait, said to the user. */
export const waitingReason = (plan: Plan, running: number): string => {
  const allowed = limits[plan].concurrentBuilds
  return `Waiting for a build slot: ${running} of ${allowed} concurrent build${allowed === 1 ? "" : "s"} allowed on the ${plan} plan ${running === 1 ? "is" : "are"} running; this build starts when one finishes.`
}

export interface Candidate {
  readonly id: string
  readonly workspaceId: string
  readonly plan: Plan
}

/**
 * Which queued builds may start now, oldest first, given how many each workspace already runs: a workspace at its
 * plan's limit keeps the rest queued (and the others are told why), without holding up other workspaces.
 */
export const admit = (
  queued: ReadonlyArray<Candidate>,
  running: ReadonlyMap<string, number>,
): {
  readonly start: ReadonlyArray<Candidate>
  readonly wait: ReadonlyArray<Candidate & { readonly reason: string }>
} => {
  const counts = new Map(running)
  const start: Array<Candidate> = []
  const wait: Array<Candidate & { readonly reason: string }> = []
  for (const build of queued) {
    const now = counts.get(build.workspaceId) ?? 0
    if (now < limits[build.plan].concurrentBuilds) {
      start.push(build)
      counts.set(build.workspaceId, now + 1)
    } else {
      wait.push({ ...build, reason: waitingReason(build.plan, now) })
    }
  }
  return { start, wait }
}

/** Whether a push's changed paths touch a service's root directory (the contract's rule, shared with projects). */
export const touches = BuildsRpc.pushTouches
