import { ApiErrors, DeviceAuthApi } from "@starform/domain"
import { Data } from "effect"
import { HttpClientError } from "effect/http"

/**
 * Why a command stopped, as one line for a person and an exit code for a script. The codes are documented in the
 * package's README; they never change meaning.
 */
export const exitCodes = {
  ok: 0,
  /** Something unexpected: a bug, or an answer the CLI did not understand. */
  unexpected: 1,
  /** The command line itself was wrong (unknown verb, bad flag, bad `K=V`). */
  usage: 2,
  /** Not signed in, or the credentials were revoked or expired: run `starform login`. */
  unauthenticated: 3,
  /** Signed in, but not allowed to do this. */
  forbidden: 4,
  /** The project, service, deployment or variable does not exist (or is not yours to see). */
  notFound: 5,
  /** The API refused the input or it clashes with what exists (the field is named). */
  rejected: 6,
  /** This folder is not linked to a project: run `starform init` or `starform link`. */
  notLinked: 7,
  /** The gateway could not be reached. */
  unreachable: 8,
  /** Over a rate limit: retry later. */
  rateLimited: 9,
  /** The deployment or build failed, or the device sign-in was refused or expired. */
  failed: 10,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes]

export class CliFailure extends Data.TaggedError("CliFailure")<{
  readonly message: string
  readonly exitCode: ExitCode
}> {}

export const fail = (exitCode: ExitCode, message: string) => new CliFailure({ exitCode, message })

/** What an error from the API (or the way there) means to the person at the terminal. */
export const fromError = (error: unknown): CliFailure => {
  if (error instanceof CliFailure) return error
  if (error instanceof ApiErrors.ValidationFailed) {
    return fail(exitCodes.rejected, error.field === undefined ? error.message : `${error.message} (${error.field})`)
  }
  if (error instanceof ApiErrors.Conflict) {
    return fail(exitCodes.rejected, error.field === undefined ? error.message : `${error.message} (${error.field})`)
  }
  if (error instanceof ApiErrors.Unauthenticated) {
    return fail(exitCodes.unauthenticated, `${error.message} Run \`starform login\`.`)
  }
  if (error instanceof ApiErrors.Forbidden) return fail(exitCodes.forbidden, error.message)
  if (error instanceof ApiErrors.NotFound) return fail(exitCodes.notFound, error.message)
  if (error instanceof ApiErrors.RateLimited) return fail(exitCodes.rateLimited, error.message)
  if (error instanceof ApiErrors.Internal) return fail(exitCodes.unexpected, error.message)
  if (error instanceof DeviceAuthApi.DeviceTokenError) return fail(exitCodes.failed, error.error_description)
  if (HttpClientError.isHttpClientError(error)) {
    if (error.reason._tag === "TransportError") {
      return fail(exitCodes.unreachable, "Cannot reach the Starform API: check --api-url or STARFORM_API_URL.")
    }
    const status = error.response?.status
    if (status === 401) {
      return fail(exitCodes.unauthenticated, "Not signed in, or the session has ended: run `starform login`.")
    }
    return fail(exitCodes.unexpected, `The API answered ${status ?? "something the CLI could not read"}.`)
  }
  const message = error instanceof Error ? error.message : String(error)
  return fail(exitCodes.unexpected, message.split("\n")[0] ?? "unexpected error")
}
