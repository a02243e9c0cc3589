import type { Deploys } from "@starform/domain"

/**
 * Why a build attempt failed, as the runner or the pipeline saw it, and whose fault that is. Infrastructure faults
 * (ours: a lost runner, a registry error, a network error while cloning) are tried again; user faults (the build
 * itself is wrong) fail at once with a reason that says what to change.
 */
export type Fault =
  /** The runner's pod vanished, was evicted or its node went away. */
  | { readonly _tag: "RunnerLost"; readonly detail: string }
  /** The platform registry answered 5xx (or could not be reached) while pushing. */
  | { readonly _tag: "RegistryUnavailable"; readonly detail: string }
  /** Cloning failed on the network (timeout, reset, DNS) rather than on the repository. */
  | { readonly _tag: "CloneNetworkError"; readonly detail: string }
  /** The repository or commit cannot be fetched with the installation's access (deleted, access removed). */
  | { readonly _tag: "SourceUnavailable"; readonly detail: string }
  /** The build command exited non-zero. */
  | { readonly _tag: "BuildCommandFailed"; readonly exitCode: number; readonly command: string | null }
  /** The repository's Dockerfile does not build (syntax, a failing RUN, a missing file). */
  | { readonly _tag: "DockerfileError"; readonly detail: string }
  /** Railpack found nothing it knows how to build, and no Dockerfile. */
  | { readonly _tag: "NoBuildPlan"; readonly detail: string }
  /** The built image is larger than the limit. */
  | { readonly _tag: "ImageTooLarge"; readonly sizeBytes: number; readonly limitBytes: number }

export type FaultKind = Deploys.BuildFailureKind

export const kindOf = (fault: Fault): FaultKind => {
  switch (fault._tag) {
    case "RunnerLost":
    case "RegistryUnavailable":
    case "CloneNetworkError":
      return "infrastructure"
    case "SourceUnavailable":
    case "BuildCommandFailed":
    case "DockerfileError":
    case "NoBuildPlan":
    case "ImageTooLarge":
      return "user"
  }
}

const gb = (bytes: number) => `${(bytes / 1_000_000_000).toFixed(1)} GB`

/**
 * The sentence shown on the build and its deployment. An infrastructure fault says whether it is being retried,
 * or, once `attempts` have all failed, what the user can do.
 */
export const reasonOf = (fault: Fault, retry: { readonly retrying: boolean; readonly attempts: number }): string => {
  const next = retry.retrying
    ? "This is on Starform's side; the build is retried automatically."
    : `This is on Starform's side and failed ${retry.attempts} attempts in a row; redeploy to try again later.`
  switch (fault._tag) {
    case "RunnerLost":
      return `The build runner was lost (${fault.detail}). ${next}`
    case "RegistryUnavailable":
      return `The image registry did not accept the push (${fault.detail}). ${next}`
    case "CloneNetworkError":
      return `Cloning the repository failed on the network (${fault.detail}). ${next}`
    case "SourceUnavailable":
      return `The repository could not be fetched: ${fault.detail}. Check that the repository and commit exist and that the Starform GitHub App still has access to it.`
    case "BuildCommandFailed":
      return fault.command === null
        ? `The build failed: the build step exited with code ${fault.exitCode}. See the build log for the first error.`
        : `The build command \`${fault.command}\` exited with code ${fault.exitCode}. See the build log for the first error, fix it and push again.`
    case "DockerfileError":
      return `The Dockerfile did not build: ${fault.detail}. Fix the Dockerfile and push again.`
    case "NoBuildPlan":
      return `Railpack could not tell how to build this service (${fault.detail}). Add a Dockerfile, set a build command, or check the service's root directory.`
    case "ImageTooLarge":
      return `The image is ${gb(fault.sizeBytes)}, over the ${gb(fault.limitBytes)} limit. Make it smaller (a .dockerignore, a multi-stage build, fewer dependencies) and push again.`
  }
}
