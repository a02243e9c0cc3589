import type { Redacted } from "effect"
import { Context, type Effect, type Option, Schema } from "effect"
import type { BuildSpec, PredeploySpec } from "./Job.ts"
import type { Ending } from "./Protocol.ts"

/**
 * Where builds run: a build is a Kubernetes Job (`KubeRunner`); so is its pre-deploy command. The pipeline starts
 * one, then observes it until it ends: new output lines (markers included) and, once finished, how it ended.
 */

/** The cluster could not be asked (unreachable, refused): the pipeline tries again on its next pass. */
export class RunnerUnavailable extends Schema.TaggedError<RunnerUnavailable>()("RunnerUnavailable", {
  message: Schema.String,
}) {}

export interface Observation {
  /** Output lines after the first `cursor` ones, with when they were written. */
  readonly lines: ReadonlyArray<{ readonly at: Date; readonly line: string }>
  /** Set once the Job is over (or gone). */
  readonly ending: Option.Option<Ending>
}

export interface JobRef {
  readonly kind: "build" | "predeploy"
  readonly buildId: string
  readonly attempt: number
  readonly namespace: string
}

export class Runner extends Context.Service<
  Runner,
  {
    /** Creates the build's Job (and its token Secret); creating one that exists already is not an error. */
    readonly startBuild: (spec: BuildSpec, token: Redacted.Redacted<string>) => Effect.Effect<JobRef, RunnerUnavailable>
    /** Creates the pre-deploy Job and the Secret carrying the release's `variables` to it. */
    readonly startPredeploy: (
      spec: PredeploySpec,
      variables: Readonly<Record<string, string>>,
    ) => Effect.Effect<JobRef, RunnerUnavailable>
    readonly observe: (job: JobRef, cursor: number) => Effect.Effect<Observation, RunnerUnavailable>
    /** Deletes the Job, its pods and its Secret; a Job already gone is fine. */
    readonly stop: (job: JobRef) => Effect.Effect<void>
  }
>()("starform/builds/Runner") {}
