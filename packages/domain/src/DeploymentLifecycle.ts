import type { DeploymentStatus } from "./Deploys.ts"

/**
 * How a deployment's status may change. A deployment is queued, built, rolled out and then either serves
 * (`active`) or ends (`failed`, `cancelled`); an active one is `superseded` when the next release takes over.
 * A rollback, or a service run from a ready-made image, has nothing to build and goes from `queued` straight
 * to `deploying`. `failed`, `cancelled` and `superseded` are final: a retry is a new deployment.
 */
export const transitions: { readonly [From in DeploymentStatus]: ReadonlyArray<DeploymentStatus> } = {
  queued: ["building", "deploying", "failed", "cancelled"],
  building: ["deploying", "failed", "cancelled"],
  deploying: ["active", "failed", "cancelled"],
  active: ["superseded"],
  failed: [],
  cancelled: [],
  superseded: [],
}

/** Whether a deployment in `from` may move to `to`. */
export const canTransition = (from: DeploymentStatus, to: DeploymentStatus): boolean => transitions[from].includes(to)

/** Whether `status` is one a deployment never leaves. */
export const isFinal = (status: DeploymentStatus): boolean => transitions[status].length === 0
