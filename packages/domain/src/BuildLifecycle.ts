import type { BuildStatus } from "./Deploys.ts"

/** A build still in progress can always end in one of these: an error, its deadline, or being called off. */
const endings = ["failed", "timed_out", "cancelled"] as const

/**
 * How a build's status may change: queued → cloning → building → pushing → succeeded, and any step before the
 * end may fail, time out or be cancelled. `succeeded`, `failed`, `timed_out` and `cancelled` are final: a retry
 * is a new build (the next `attempt`).
 */
export const transitions: { readonly [From in BuildStatus]: ReadonlyArray<BuildStatus> } = {
  queued: ["cloning", ...endings],
  cloning: ["building", ...endings],
  building: ["pushing", ...endings],
  pushing: ["succeeded", ...endings],
  succeeded: [],
  failed: [],
  timed_out: [],
  cancelled: [],
}

/** Whether a build in `from` may move to `to`. */
export const canTransition = (from: BuildStatus, to: BuildStatus): boolean => transitions[from].includes(to)

/** Whether `status` is one a build never leaves. */
export const isFinal = (status: BuildStatus): boolean => transitions[status].length === 0
