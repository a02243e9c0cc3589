import { mkdtemp, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import ts from "typescript"

/**
 * Typechecks `files` (name → TypeScript source) as a strict program with `openapi-fetch` resolvable, the way a
 * person's project would compile a generated client; answers the diagnostics, formatted, and each file as JavaScript.
 * TypeScript 5 does it: `openapi-typescript` needs its compiler API, which TypeScript 7 does not have.
 */
export const compile = async (files: Readonly<Record<string, string>>) => {
  const dir = await mkdtemp(join(tmpdir(), "starform-client-"))
  for (const [name, source] of Object.entries(files)) await writeFile(join(dir, name), source)
  const fetchTypes = join(dirname(createRequire(import.meta.url).resolve("openapi-fetch")), "index.d.mts")
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
    skipLibCheck: true,
    paths: { "openapi-fetch": [fetchTypes] },
  }
  const program = ts.createProgram(
    Object.keys(files).map((name) => join(dir, name)),
    options,
  )
  const diagnostics = ts.formatDiagnostics(ts.getPreEmitDiagnostics(program), {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => dir,
    getNewLine: () => "\n",
  })
  const javascript = (name: string) =>
    ts.transpileModule(files[name] ?? "", {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    }).outputText
  return { diagnostics, javascript }
}
