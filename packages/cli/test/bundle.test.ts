import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { exitCodes } from "../src/Failure.ts"

/** The packaged CLI (`dist/starform.mjs`, what `npm i -g` installs) is one file that runs on its own. */
describe("the bundled starform", () => {
  const folder = mkdtempSync(join(tmpdir(), "starform-bundle-"))
  const bundle = join(folder, "starform.mjs")
  const script = fileURLToPath(new URL("../scripts/bundle.ts", import.meta.url))
  const run = (args: ReadonlyArray<string>) =>
    spawnSync(process.execPath, [bundle, ...args], {
      cwd: folder,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", HOME: folder, XDG_CONFIG_HOME: join(folder, ".config") },
    })

  it("is built, answers --version and --help, and fails like the sources do", () => {
    const built = spawnSync(process.execPath, [script, bundle], { encoding: "utf8" })
    expect(built.status).toBe(0)
    expect(existsSync(bundle)).toBe(true)

    expect(run(["--version"]).stdout).toBe("starform v0.1.0\n")
    const help = run(["--help"])
    expect(help.status).toBe(0)
    for (const verb of ["login", "status", "deploy", "rollback", "variables"]) expect(help.stdout).toContain(verb)

    expect(run(["bogus"]).status).toBe(exitCodes.usage)
    expect(run(["deploy", "--image"]).status).toBe(exitCodes.usage)
    const unlinked = run(["status"])
    expect(unlinked.status).toBe(exitCodes.notLinked)
    expect(unlinked.stderr).toMatch(/^error: This folder is not linked/)
    const anonymous = run(["whoami"])
    expect(anonymous.status).toBe(exitCodes.unauthenticated)
    expect(anonymous.stderr.trim().split("\n")).toHaveLength(1)
  }, 60_000)
})
