import { ApiErrors, type Violations } from "@starform/domain"
import { Data, Effect } from "effect"

/**
 * The errors of the projects service. Most are the public API's own (`ValidationFailed` naming the field and rule,
 * `NotFound` worded the same for missing and foreign resources, `Conflict` saying what clashes), so the gateway passes
 * them on unchanged. Failures that are the service's own story (no cluster to run on, an audit entry identity did not
 * take) are tagged errors of this service, turned into the API's once, at the RPC edge (`toApi`, in `Server.ts`).
 */

export const { ValidationFailed, NotFound, Conflict } = ApiErrors
export type ValidationFailed = ApiErrors.ValidationFailed
export type NotFound = ApiErrors.NotFound
export type Conflict = ApiErrors.Conflict

export const notFound = (type: string, id: string) => ApiErrors.NotFound.of(type, id)

export const invalid = (field: string, rule: string, message: string) =>
  ApiErrors.ValidationFailed.field(field, rule, message)

export const violations = (found: ReadonlyArray<Violations.Violation>) =>
  ApiErrors.ValidationFailed.fromViolations(found)

export const conflict = (message: string, field?: string) =>
  new ApiErrors.Conflict(field === undefined ? { message } : { message, field })

/** A deploy of an environment no active cluster can take (none in the project's region, nor elsewhere). */
export class NoClusterAvailable extends Data.TaggedError("NoClusterAvailable")<{ readonly environmentName: string }> {
  override get message() {
    return `No cluster is available to run environment ${this.environmentName}: Starform has no active cluster for this project's region yet.`
  }
}

/** Identity did not take an audit entry; what had to be on the record first (a reveal, a prune) was not done. */
export class AuditNotRecorded extends Data.TaggedError("AuditNotRecorded")<{
  readonly action: string
  readonly reason: string
}> {
  override get message() {
    return `The audit log did not record ${this.action} (${this.reason}), so it was not done: try again.`
  }
}

/** At the RPC edge: no cluster to run on is a conflict the person can act on (wait, or pick another region). */
export const noClusterAsConflict = (error: NoClusterAvailable) => Effect.fail(conflict(error.message))

/** At the RPC edge: an unrecorded audit entry is the platform's failure (a 500), not the person's. */
export const unrecordedAsDefect = (error: AuditNotRecorded) => Effect.die(error)
