import { Context, Layer } from "effect"

/** The pipeline's pace and where its images go. */
export interface PipelineOptions {
  /**
   * How often a pass runs when nothing wakes the pipeline. Projects wakes it when a deployment starts or stops
   * waiting for its build, so this is only the safety net: a missed notification waits for it.
   */
  readonly pollMs: number
  /** How often a running Job is looked at; unset, the poll's pace when that is faster than a second. */
  readonly watchMs: number
  /** The first retry's delay; the second waits four times as long. */
  readonly retryBaseMs: number
  /** Where images are pushed: `<registry>/<project>/<service>:<deployment>`. */
  readonly registry: string
  /** The builds service as build Jobs reach it: they fetch uploaded folders from `<sourcesUrl>/sources/…`. */
  readonly sourcesUrl: string
}

export const defaultOptions: PipelineOptions = {
  pollMs: 5000,
  watchMs: 1000,
  retryBaseMs: 15_000,
  registry: "registry.starform.internal",
  sourcesUrl: "http://starform-builds.starform-system.svc.cluster.local:8083",
}

export class PipelineOptionsService extends Context.Service<PipelineOptionsService, PipelineOptions>()(
  "starform/builds/PipelineOptions",
) {
  static readonly layer = (options: Partial<PipelineOptions> = {}) =>
    Layer.succeed(PipelineOptionsService, {
      ...defaultOptions,
      watchMs: Math.min(options.pollMs ?? defaultOptions.watchMs, defaultOptions.watchMs),
      ...options,
    })
}
