import { ApiErrors, type Violations } from "@starform/domain"
import { Effect, Predicate } from "effect"
import type { SqlError } from "effect/sql/SqlError"

/**
 * The errors the projects service answers with are the public API's, so the gateway passes them on unchanged:
 * `ValidationFailed` naming the field and rule, `NotFound` worded the same for missing and foreign resources,
 * `Conflict` saying what clashes. Database refusals are turned into these by the constraint that refused.
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

/** The constraint that refused a statement, if one did. */
export const constraintOf = (error: SqlError): string | undefined => {
  const reason = error.reason as unknown
  if (Predicate.hasProperty(reason, "constraint") && typeof reason.constraint === "string") return reason.constraint
  const cause = Predicate.hasProperty(reason, "cause") ? reason.cause : undefined
  return Predicate.hasProperty(cause, "constraint") && typeof cause.constraint === "string"
    ? cause.constraint
    : undefined
}

/**
 * Turns the refusal of one of `known` constraints into the error given for it; any other database failure is a
 * defect (a bug or an outage), answered as 500 by the gateway.
 */
export const refusedBy =
  <const K extends { readonly [constraint: string]: () => unknown }, E = ReturnType<K[keyof K]>>(known: K) =>
  <A, E2, R>(effect: Effect.Effect<A, E2 | SqlError, R>): Effect.Effect<A, E | Exclude<E2, SqlError>, R> =>
    Effect.catchIf(
      effect,
      (error): error is SqlError => Predicate.isTagged(error, "SqlError"),
      (error) => {
        const constraint = constraintOf(error)
        const make = constraint === undefined ? undefined : known[constraint]
        return make === undefined ? Effect.die(error) : Effect.fail(make())
      },
    ) as Effect.Effect<A, E | Exclude<E2, SqlError>, R>
