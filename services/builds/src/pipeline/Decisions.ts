import { BuildLifecycle } from "@starform/domain"
import { Clock, Context, Effect, Layer, Option, Random, Schedule, Schema } from "effect"
import { BuildLogs } from "../logs/BuildLogs.ts"
import * as Machine from "../Machine.ts"
import * as Policy from "../Policy.ts"
import { type BuildRecord, BuildStore } from "../store/BuildStore.ts"
import { PipelineOptionsService } from "./Options.ts"
import { Wakeups } from "./Wakeups.ts"

/**
 * The state machine's decisions, persisted: every stage moves a build through `decide`, which reads the build as it
 * is now, asks `Machine` what the event means, and stores the move as a compare-and-set on the status it was
 * decided from. Each move is written to the build's log.
 */

/** The build is no longer stored: its deployment, service or project was deleted while it was being worked on. */
export class BuildGone extends Schema.TaggedError<BuildGone>()("BuildGone", { buildId: Schema.String }) {
  override get message() {
    return `Build ${this.buildId} no longer exists: its deployment, service or project was deleted.`
  }
}

/** Another decider moved the build between reading and writing it: decide again from what it is now. */
class BuildMoved extends Schema.TaggedError<BuildMoved>()("BuildMoved", { buildId: Schema.String }) {}

/** A contested build is decided again this many times before the event is dropped. */
const contestedRetries = 4

export class Decisions extends Context.Service<
  Decisions,
  {
    /** The build as stored now. */
    readonly fresh: (id: string) => Effect.Effect<BuildRecord, BuildGone>
    /** Decides `event` for the build as it is now and persists the move; the build after it. */
    readonly decide: (
      id: string,
      event: Machine.Event,
    ) => Effect.Effect<{ readonly row: BuildRecord; readonly decision: Machine.Decision }, BuildGone>
    /** A line of what Starform did, in the build's log. */
    readonly note: (buildId: string, line: string) => Effect.Effect<void>
  }
>()("starform/builds/Decisions") {
  static readonly layer = Layer.effect(
    Decisions,
    Effect.gen(function* () {
      const options = yield* PipelineOptionsService
      const store = yield* BuildStore
      const logs = yield* BuildLogs
      const wakeups = yield* Wakeups

      const fresh = (id: string) =>
        Effect.flatMap(store.get(id), (row) =>
          Option.isSome(row) ? Effect.succeed(row.value) : Effect.fail(new BuildGone({ buildId: id })),
        )

      const note = (buildId: string, line: string) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          logs.append(buildId, [{ at: new Date(now), stream: "system", line }]),
        )

      const attempt = (id: string, event: Machine.Event) =>
        Effect.gen(function* () {
          const row = yield* fresh(id)
          const decision = Machine.decide(
            {
              status: row.status,
              attempt: row.attempt,
              timeoutSeconds: row.timeoutSeconds,
              imageSizeLimitBytes: Number(row.imageSizeLimitBytes),
            },
            event,
          )
          if (decision._tag === "Ignore") return { row, decision }
          const delay = decision.retry ? Policy.backoffMs(row.attempt + 1, options.retryBaseMs, yield* Random.next) : 0
          if (!(yield* store.apply(row, decision, delay))) return yield* new BuildMoved({ buildId: id })
          const after = yield* fresh(id)
          yield* note(id, `${decision.path.join(" → ")}${decision.failure ? `: ${decision.failure.reason}` : ""}`)
          if (decision.retry) {
            yield* note(id, `Attempt ${row.attempt + 1} starts in ${(delay / 1000).toFixed(1)}s.`)
            yield* wakeups.admitIn(delay)
          }
          // a build that ended frees one of its workspace's build slots for the next one waiting
          if (BuildLifecycle.isFinal(after.status)) yield* wakeups.admit
          return { row: after, decision }
        })

      return Decisions.of({
        fresh,
        note,
        decide: Effect.fn("Pipeline.decide")(function* (id: string, event: Machine.Event) {
          return yield* attempt(id, event).pipe(
            Effect.retry({ schedule: Schedule.recurs(contestedRetries), while: (e) => e._tag === "BuildMoved" }),
            Effect.catchTag("BuildMoved", () =>
              Effect.map(fresh(id), (row) => ({
                row,
                decision: { _tag: "Ignore", why: "the build kept changing" } satisfies Machine.Decision,
              })),
            ),
          )
        }),
      })
    }),
  )
}
