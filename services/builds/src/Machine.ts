import { BuildLifecycle, type Deploys } from "@starform/domain"
import { type Fault, type FaultKind, kindOf, reasonOf } from "./Faults.ts"
import * as Policy from "./Policy.ts"

/**
 * The build state machine: what happens to one attempt when the runner reports progress, finishes, fails, runs
 * past its deadline or is called off. Pure: the pipeline persists each `Move` (every status entered gets its own
 * timestamp) and acts on `retry`.
 */

export type Status = Deploys.BuildStatus

export interface Attempt {
  readonly status: Status
  readonly attempt: number
  readonly timeoutSeconds: number
  readonly imageSizeLimitBytes: number
}

export interface Image {
  readonly imageRef: string
  readonly imageDigest: string | null
  readonly sizeBytes: number
}

export type Event =
  /** The runner reached a phase (`cloning` when it starts, then `building`, `pushing`). */
  | { readonly _tag: "Reached"; readonly phase: "cloning" | "building" | "pushing" }
  /** The image is built and pushed. */
  | { readonly _tag: "Pushed"; readonly image: Image }
  | { readonly _tag: "Failed"; readonly fault: Fault }
  /** The attempt's deadline passed before it finished. */
  | { readonly _tag: "DeadlinePassed" }
  /** Called off: a newer push to the service, or a person. */
  | { readonly _tag: "Cancelled"; readonly reason: string }

export type Decision =
  | {
      readonly _tag: "Move"
      /** The statuses entered, in order (a runner that skipped a report still passes through each phase). */
      readonly path: ReadonlyArray<Status>
      /** Why the build ended other than in success; `kind` is null for a cancellation, which is nobody's fault. */
      readonly failure: { readonly kind: FaultKind | null; readonly reason: string } | null
      readonly image: Image | null
      /** An infrastructure fault with attempts left: a new attempt is queued. */
      readonly retry: boolean
    }
  | { readonly _tag: "Ignore"; readonly why: string }

const phases: ReadonlyArray<Status> = ["queued", "cloning", "building", "pushing", "succeeded"]

/** The statuses from just after `from` up to `to` along the happy path. */
const pathTo = (from: Status, to: Status): ReadonlyArray<Status> => {
  const start = phases.indexOf(from)
  const end = phases.indexOf(to)
  return start < 0 || end <= start ? [] : phases.slice(start + 1, end + 1)
}

type Move = Extract<Decision, { readonly _tag: "Move" }>

const move = (
  path: ReadonlyArray<Status>,
  failure: Move["failure"] = null,
  image: Image | null = null,
  retry = false,
) => ({ _tag: "Move", path, failure, image, retry }) satisfies Move

const end = (state: Attempt, to: Status, kind: FaultKind | null, reason: string, retry = false): Decision =>
  BuildLifecycle.canTransition(state.status, to)
    ? move([to], { kind, reason }, null, retry)
    : { _tag: "Ignore", why: `a ${state.status} build cannot become ${to}` }

export const decide = (state: Attempt, event: Event): Decision => {
  if (BuildLifecycle.isFinal(state.status)) return { _tag: "Ignore", why: `the build is already ${state.status}` }
  switch (event._tag) {
    case "Reached": {
      const path = pathTo(state.status, event.phase)
      return path.length === 0 ? { _tag: "Ignore", why: `the build is already past ${event.phase}` } : move(path)
    }
    case "Pushed": {
      if (event.image.sizeBytes > state.imageSizeLimitBytes) {
        const fault: Fault = {
          _tag: "ImageTooLarge",
          sizeBytes: event.image.sizeBytes,
          limitBytes: state.imageSizeLimitBytes,
        }
        return end(state, "failed", "user", reasonOf(fault, { retrying: false, attempts: state.attempt }))
      }
      return move(pathTo(state.status, "succeeded"), null, event.image)
    }
    case "Failed": {
      const kind = kindOf(event.fault)
      const retry = kind === "infrastructure" && Policy.retries(state.attempt)
      return end(state, "failed", kind, reasonOf(event.fault, { retrying: retry, attempts: state.attempt }), retry)
    }
    case "DeadlinePassed":
      return end(
        state,
        "timed_out",
        "user",
        `The build did not finish within its ${formatDuration(state.timeoutSeconds)} timeout. Speed it up (cache dependencies, build less) or raise the service's build timeout.`,
      )
    case "Cancelled":
      return end(state, "cancelled", null, event.reason)
  }
}

export const formatDuration = (seconds: number): string =>
  seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? "" : "s"}` : `${seconds} seconds`

/** Whether the lifecycle allows one step from `from` to `to` (re-exported for the pipeline's guards). */
export const canMove = (from: Status, to: Status): boolean => BuildLifecycle.canTransition(from, to)
