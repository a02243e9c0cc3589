import { Console, Effect } from "effect"

/** Everything the CLI prints to stdout goes through here: `--json` prints the API's own shape, people get columns. */

export const json = (value: unknown) => Console.log(JSON.stringify(value, null, 2))

export const line = (text: string) => Console.log(text)

/** Rows under a header, each column as wide as its widest cell. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) =>
  Effect.suspend(() => {
    if (rows.length === 0) return Console.log("(none)")
    const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? "").length)))
    const render = (cells: ReadonlyArray<string>) =>
      cells
        .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
        .join("  ")
        .trimEnd()
    return Console.log([render(header), ...rows.map(render)].join("\n"))
  })

/** Either the JSON of `value` or what `human` prints. */
export const either = <A>(asJson: boolean, value: A, human: (value: A) => Effect.Effect<void>) =>
  asJson ? json(value) : human(value)
