import { Duration, Effect, Schedule } from "effect"

/** Retry delays that double from `base` up to `cap`, jittered so many fibers failing together do not retry together. */
export const schedule = (base: Duration.Input, cap: Duration.Input) =>
  Schedule.exponential(base, 2).pipe(
    Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.fromInputUnsafe(cap)))),
    Schedule.jittered,
  )
