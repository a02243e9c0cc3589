import { ApiErrors, type Violations } from "@starform/domain"
import { Data, Effect } from "effect"

/**
 * The errors of the projects service. Its own tagged errors (`Missing`, `Refused`, `Invalid`, no cluster to run on,
 * an audit entry identity did not take) become the API's once, at the RPC edge (`Server.ts`, with the mappings
 * below): `NotFound` worded the same for missing and foreign resources, `Conflict` saying what clashes,
 * `ValidationFailed` naming the field and rule. Projects, clusters, services, deployments and variables fail with
 * them, and so do the hostnames; a request's schema violations (`violations`) are the API's `ValidationFailed`
 * already. `notFound` and `conflict` below build the API's errors for those mappings only.
 */

export const { ValidationFailed, NotFound, Conflict } = ApiErrors
export type ValidationFailed = ApiErrors.ValidationFailed
export type NotFound = ApiErrors.NotFound
export type Conflict = ApiErrors.Conflict

const notFound = (type: string, id: string) => ApiErrors.NotFound.of(type, id)

export const violations = (found: ReadonlyArray<Violations.Violation>) =>
  ApiErrors.ValidationFailed.fromViolations(found)

const conflict = (message: string, field?: string) =>
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

/** The resource is not this service's, or not the caller's (the gateway asked on their behalf): the API's 404. */
export class Missing extends Data.TaggedError("Missing")<{ readonly resource: string; readonly id: string }> {
  // worded as the API's `NotFound` will say it
  override get message() {
    return `No ${this.resource} with id ${this.id} was found.`
  }
}

/** The resource's state refuses the change (a finished deploy cancelled, a rollback to a release that never served). */
export class Refused extends Data.TaggedError("Refused")<{ readonly message: string; readonly field?: string }> {}

/** The request breaks a rule `field` must follow; `problem` says how (worded as the API's `ValidationFailed`). */
export class Invalid extends Data.TaggedError("Invalid")<{
  readonly field: string
  readonly rule: string
  readonly problem: string
}> {
  override get message() {
    return `${this.field || "the request"} ${this.problem}`
  }
}

export const missing = (resource: string, id: string) => new Missing({ resource, id })
export const refused = (message: string, field?: string) =>
  new Refused(field === undefined ? { message } : { message, field })
export const breaks = (field: string, rule: string, problem: string) => new Invalid({ field, rule, problem })

/** At the RPC edge (`Server.ts`): the service's own failures as the API's errors, worded as the API words them. */
export const missingAsNotFound = (error: Missing) => Effect.fail(notFound(error.resource, error.id))
export const refusedAsConflict = (error: Refused) => Effect.fail(conflict(error.message, error.field))
export const invalidAsValidationFailed = (error: Invalid) =>
  Effect.fail(ApiErrors.ValidationFailed.field(error.field, error.rule, error.problem))
