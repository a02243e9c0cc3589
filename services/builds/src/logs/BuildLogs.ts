import { Sql } from "@starform/db"
import { type BuildsApi, Deploys } from "@starform/domain"
import { Array as Arr, Context, DateTime, Effect, Layer, Option, PubSub, Schema, Stream } from "effect"
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

const view = (row: Deploys.BuildLogLine): BuildsApi.BuildLogLineView => ({
  seq: Number(row.seq),
  at: DateTime.formatIso(row.at),
  stream: row.stream,
  line: row.line,
})

const decodeLines = Sql.decodeRows(Deploys.BuildLogLine)

/** Lines read, and where the next read starts (none: the build is over and every line was delivered). */
type Page = readonly [ReadonlyArray<BuildsApi.BuildLogLineView>, Option.Option<number>]
const isPage = (page: Page | undefined): page is Page => page !== undefined
const CountRow = Schema.Struct({ n: Schema.BigInt })

export class BuildLogs extends Context.Service<
  BuildLogs,
  {
    readonly append: (buildId: string, lines: ReadonlyArray<LogLine>) => Effect.Effect<void>
    /** How many lines of `stream` the build has: where reading a Job's output resumes after a restart. */
    readonly count: (buildId: string, stream: Deploys.BuildLogStream) => Effect.Effect<number>
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

      const stored = Sql.edge({
        read: (buildId: string, after: number, limit: number) =>
          sql`
            SELECT * FROM build_logs WHERE build_id = ${buildId} AND seq > ${after}
            ORDER BY seq LIMIT ${limit}`.pipe(
            Effect.flatMap(decodeLines),
            Effect.map((rows) => rows.map(view)),
          ),
        count: (buildId: string, stream: Deploys.BuildLogStream) =>
          sql`SELECT count(*) AS n FROM build_logs WHERE build_id = ${buildId} AND stream = ${stream}`.pipe(
            Effect.flatMap(Sql.decodeRows(CountRow)),
            Effect.map((rows) => Number(rows[0]?.n ?? 0n)),
          ),
        insert: (rows: Arr.NonEmptyReadonlyArray<Record<string, unknown>>) =>
          sql`INSERT INTO build_logs ${sql.insert(rows)}`.pipe(Effect.asVoid),
      })
      const read = stored.read

      return BuildLogs.of({
        count: stored.count,
        append: (buildId, lines) => {
          const rows: Array<Record<string, unknown>> = lines.map((line) => ({
            buildId,
            at: line.at,
            stream: line.stream,
            line: cutLong(line.line),
          }))
          return Arr.isReadonlyArrayNonEmpty(rows)
            ? stored.insert(rows).pipe(Effect.andThen(PubSub.publish(written, buildId)), Effect.asVoid)
            : Effect.void
        },

        read,

        watch: (buildId, after, ended) =>
          Stream.unwrap(
            Effect.gen(function* () {
              const wakeups = yield* PubSub.subscribe(written)
              // drain what is stored, then wait for a write to this build (or a second, for writes of other
              // processes and for the build's end); stop once the build has ended and nothing more is stored
              const wakeup = PubSub.take(wakeups).pipe(
                Effect.repeat({ until: (id: string) => id === buildId }),
                Effect.timeoutOption("1 second"),
              )
              // undefined: nothing new yet and the build goes on, so wait for a write and look again
              const look = (last: number) =>
                Effect.gen(function* (): Effect.fn.Return<Page | undefined> {
                  const done = yield* ended
                  const lines = yield* read(buildId, last, 1000)
                  const newest = lines.at(-1)
                  if (newest !== undefined) return [lines, Option.some(newest.seq)]
                  if (done) return [[], Option.none()]
                  yield* wakeup
                  return undefined
                })
              return Stream.paginate(after, (last) => look(last).pipe(Effect.repeat({ until: isPage })))
            }),
          ),
      })
    }),
  )
}
