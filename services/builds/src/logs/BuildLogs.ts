import type { BuildsApi, Deploys } from "@starform/domain"
import { Array as Arr, Context, DateTime, Effect, Layer, Option, PubSub, Stream } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * Build logs behind one interface: lines are written with their time and stream, read back in order, and pushed
 * to whoever watches the build as they are written. Stored in PostgreSQL (`build_logs`) for now; the telemetry
 * service will move them to ClickHouse by replacing this module's layer alone.
 */

export interface LogLine {
  readonly at: Date
  readonly stream: Deploys.BuildLogStream
  readonly line: string
}

/** A line longer than the column allows is cut, saying so. */
const maxLine = 16_384
const cutLong = (line: string) => (line.length <= maxLine ? line : `${line.slice(0, maxLine - 20)} … (line cut)`)

interface Row {
  readonly seq: bigint | string | number
  readonly at: Date
  readonly stream: Deploys.BuildLogStream
  readonly line: string
}

const view = (row: Row): BuildsApi.BuildLogLineView => ({
  seq: Number(row.seq),
  at: DateTime.formatIso(DateTime.fromDateUnsafe(row.at)),
  stream: row.stream,
  line: row.line,
})

export class BuildLogs extends Context.Service<
  BuildLogs,
  {
    readonly append: (buildId: string, lines: ReadonlyArray<LogLine>) => Effect.Effect<void>
    readonly read: (
      buildId: string,
      after: number,
      limit: number,
    ) => Effect.Effect<ReadonlyArray<BuildsApi.BuildLogLineView>>
    /**
     * The lines after `after`, then each new one as it is written, until `ended` says the build is over and every
     * line has been delivered. Lines are never repeated or skipped, whichever order the reads and writes race in.
     */
    readonly watch: (
      buildId: string,
      after: number,
      ended: Effect.Effect<boolean>,
    ) => Stream.Stream<BuildsApi.BuildLogLineView>
  }
>()("starform/builds/BuildLogs") {
  static readonly layer = Layer.effect(
    BuildLogs,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      // wakes watchers of a build in this process; they read what is new from the table, so none is lost
      const written = yield* PubSub.unbounded<string>()

      const read = (buildId: string, after: number, limit: number) =>
        sql<Row>`
          SELECT seq, at, stream, line FROM build_logs WHERE build_id = ${buildId} AND seq > ${after}
          ORDER BY seq LIMIT ${limit}`.pipe(
          Effect.orDie,
          Effect.map((rows) => rows.map(view)),
        )

      return BuildLogs.of({
        append: (buildId, lines) => {
          const rows: Array<Record<string, unknown>> = lines.map((line) => ({
            buildId,
            at: line.at,
            stream: line.stream,
            line: cutLong(line.line),
          }))
          return Arr.isReadonlyArrayNonEmpty(rows)
            ? sql`INSERT INTO build_logs ${sql.insert(rows)}`.pipe(
                Effect.orDie,
                Effect.andThen(PubSub.publish(written, buildId)),
                Effect.asVoid,
              )
            : Effect.void
        },

        read,

        watch: (buildId, after, ended) =>
          Stream.unwrap(
            Effect.gen(function* () {
              const wakeups = yield* PubSub.subscribe(written)
              // drain what is stored, then wait for a write to this build (or a second, for writes of other
              // processes and for the build's end); stop once the build has ended and nothing more is stored
              return Stream.paginate(after, (last) =>
                Effect.gen(function* () {
                  while (true) {
                    const done = yield* ended
                    const lines = yield* read(buildId, last, 1000)
                    if (lines.length > 0) return [lines, Option.some(lines.at(-1)!.seq)] as const
                    if (done) return [[], Option.none()] as const
                    yield* PubSub.take(wakeups).pipe(
                      Effect.repeat({ until: (id: string) => id === buildId }),
                      Effect.timeoutOption("1 second"),
                    )
                  }
                }),
              )
            }),
          ),
      })
    }),
  )
}
