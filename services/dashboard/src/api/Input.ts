import { ApiErrors, Violations } from "@starform/domain"
import { Effect, Exit, Option, Schema } from "effect"
import type { Problem } from "./Problems.ts"

/**
 * A form's input checked against the contract's own schema before it is sent: a name the API would refuse is
 * refused here with the same words, next to the same field, without a round trip.
 */
export type Decoded<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly problem: Problem }

export const decode = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  input: unknown,
): Decoded<S["Type"]> => {
  const exit = Schema.decodeUnknownEffect(schema)(input, { errors: "all" }).pipe(
    Effect.mapError((error) => {
      const failed = ApiErrors.ValidationFailed.fromViolations(Violations.fromIssue(error.issue))
      const fields: Record<string, string> = {}
      for (const entry of failed.errors ?? []) fields[entry.field] ??= entry.message
      if (failed.field !== undefined) fields[failed.field] ??= failed.message
      return { message: failed.message, fields, code: failed.code } satisfies Problem
    }),
    Effect.runSyncExit,
  )
  if (Exit.isSuccess(exit)) return { ok: true, value: exit.value }
  const problem = Exit.findErrorOption(exit)
  return Option.isSome(problem)
    ? { ok: false, problem: problem.value }
    : { ok: false, problem: { message: "The form could not be checked.", fields: {}, code: undefined } }
}

/** An id from the address bar, or none when it is not one (the page then shows "not found"). */
export const idFrom = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  value: string | undefined,
): Option.Option<S["Type"]> => Schema.decodeUnknownOption(schema)(value)
