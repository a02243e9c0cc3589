import { chmodSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "rolldown"

/**
 * `pnpm --filter @starform/cli bundle` (and `prepack`): the CLI as one JavaScript file, `dist/starform.mjs`, with
 * the API contract and Effect inlined and what it does not use left out. It is what `npm i -g` installs (Node does not
 * strip types under `node_modules`), and it starts several times faster than the sources: one file to read, a fraction
 * of the code. `node scripts/bundle.ts <file>` writes it elsewhere.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const file = process.argv[2] ?? join(root, "dist", "starform.mjs")

await build({
  input: join(root, "src", "main.ts"),
  platform: "node",
  logLevel: "warn",
  output: { file, format: "esm", codeSplitting: false, minify: true },
})
chmodSync(file, 0o755)
console.log(`starform: bundled into ${file}`)
