import { spawn } from "node:child_process"
import { Effect } from "effect"
import { Command } from "effect/cli"
import * as Output from "../Output.ts"
import * as Target from "../Target.ts"

/** `starform open`: the linked project's dashboard page (the gateway serves the dashboard). */
export const open = Command.make("open", {}, () =>
  Effect.gen(function* () {
    const { url, link } = yield* Target.linked
    const page = `${url}/projects/${link.projectId}`
    yield* Output.line(page)
    yield* Effect.sync(() => {
      const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open"
      const child = spawn(opener, [page], { stdio: "ignore", detached: true })
      child.on("error", () => {})
      child.unref()
    })
  }),
).pipe(
  Command.withDescription("Open the project's dashboard page in the browser"),
  Command.withExamples([{ command: "starform open", description: "Print and open the page" }]),
)
