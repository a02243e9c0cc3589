import { Cause, Exit, Option } from "effect"

/**
 * What a failed request tells a person: the API's own message, and for a validation failure the message of each
 * field it names, so a form can show it next to that field. Every error of the contract carries a `message`.
 */

export interface Problem {
  readonly message: string
  /** By the API's field path, e.g. `name` or `source.imageRef`. */
  readonly fields: Readonly<Record<string, string>>
  /** The API's machine-readable code, when it answered one. */
  readonly code: string | undefined
}

export interface ApiErrorShape {
  readonly message: string
  readonly code?: string
  readonly field?: string
  readonly errors?: ReadonlyArray<{ readonly field: string; readonly message: string }>
}

export const fromCause = <E extends ApiErrorShape>(cause: Cause.Cause<E>): Problem => {
  const error = Cause.findErrorOption(cause)
  if (Option.isNone(error)) {
    return { message: "Starform did not answer as expected. Try again in a moment.", fields: {}, code: undefined }
  }
  const { message, field, errors, code } = error.value
  const fields: Record<string, string> = {}
  for (const entry of errors ?? []) fields[entry.field] ??= entry.message
  if (field !== undefined && field !== "") fields[field] ??= message
  return { message, fields, code }
}

/** The problem of a failed exit, undefined for a success. */
export const fromExit = <A, E extends ApiErrorShape>(exit: Exit.Exit<A, E>): Problem | undefined =>
  Exit.isFailure(exit) ? fromCause(exit.cause) : undefined
