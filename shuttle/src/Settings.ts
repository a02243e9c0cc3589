import { Options } from "@starform/manifests"
import { Context } from "effect"

/** How this Shuttle runs: where it keeps its own state, how it renders, how often it re-checks everything. */
export interface Settings {
  /** Shuttle's own namespace: the cached desired state and the namespace inventory live there. */
  readonly namespace: string
  readonly render: Options.Options
  /** How often every service is reconciled again even if nothing was heard of it (level-driven). */
  readonly resyncMs: number
  /** How long one `GetDesiredStateDocument` long-poll waits. */
  readonly pollWaitMs: number
  /** The longest a rolling-out service waits between looks when no change wakes it. */
  readonly recheckMs: number
  /** How long a waiting service lets a burst of changes settle before looking again. */
  readonly coalesceMs: number
  /** The longest wait between retries of anything that failed (the backoff doubles up to it). */
  readonly retryCapMs: number
}

export const defaults: Settings = {
  namespace: "starform-system",
  render: Options.defaults,
  resyncMs: 60_000,
  pollWaitMs: 30_000,
  recheckMs: 2_000,
  coalesceMs: 20,
  retryCapMs: 15_000,
}

export class CurrentSettings extends Context.Service<CurrentSettings, Settings>()("starform/shuttle/Settings") {}
