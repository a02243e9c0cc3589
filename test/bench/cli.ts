/**
 * `npm run bench:cli`: how long `starform` takes, as a person or a script sees it (a whole process from spawn to exit,
 * on the workspace's Node 24, with Node's compile cache warm after the first run).
 *
 * Prints `key=value` lines, each the median of 10 runs: `cold_start_ms` (`starform --version`), `help_ms`
 * (`starform --help`: the whole command tree and the API contract loaded), `status_ms` (`starform status --json`
 * against a project with 20 services, through the gateway of a Starbase on a database of its own), all three from the
 * TypeScript sources as `pnpm starform` runs them, then the same from the bundle `npm i -g` installs
 * (`bundle_cold_start_ms`, `bundle_help_ms`, `bundle_status_ms`, built first into a temporary folder), and
 * `status_services` (how many services status listed; must be 20). Then `starform up`: `up_upload_mb_s` (a 50 MB
 * folder of incompressible files packed, uploaded to the local builds service and deployed with `--detach`: MB of
 * archive per second of the whole command, median of 3) and `up_to_active_s` (a small folder from `up` to its
 * deployment active on kube-sim, whose simulated build takes about 3 s). Archives go to a temporary STARFORM_HOME.
 */
import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as Harness from "../../packages/cli/test/harness.ts"

const runs = 10
const services = 20
const uploadMb = 50

process.env.STARFORM_HOME = mkdtempSync(join(tmpdir(), "starform-bench-home-"))

const print = (key: string, value: number) => console.log(`${key}=${Math.round(value * 100) / 100}`)

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 0 ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2 : (sorted[middle] ?? 0)
}

/** Runs `starform <args>` `runs` times (after one untimed run that warms the compile cache); the median in ms. */
const timed = (on: Harness.Machine, apiUrl: string, args: ReadonlyArray<string>, options: Harness.RunOptions = {}) =>
  Effect.gen(function* () {
    const warm = yield* Harness.run(on, apiUrl, args, options)
    if (warm.code !== 0) throw new Error(`starform ${args.join(" ")} failed: ${warm.stderr}`)
    const times: Array<number> = []
    let last = warm
    for (let i = 0; i < runs; i++) {
      const started = performance.now()
      last = yield* Harness.run(on, apiUrl, args, options)
      times.push(performance.now() - started)
      if (last.code !== 0) throw new Error(`starform ${args.join(" ")} failed: ${last.stderr}`)
    }
    return { ms: median(times), last }
  })

const program = Effect.gen(function* () {
  const running = yield* Harness.start()
  const api = running.gatewayUrl
  const machine = Harness.machine()

  const bundle = join(mkdtempSync(join(tmpdir(), "starform-bench-")), "starform.mjs")
  const script = fileURLToPath(new URL("../../packages/cli/scripts/bundle.ts", import.meta.url))
  if (spawnSync(process.execPath, [script, bundle]).status !== 0) throw new Error("the bundle did not build")
  const fromBundle = { entry: bundle }

  print("cold_start_ms", (yield* timed(machine, api, ["--version"])).ms)
  print("help_ms", (yield* timed(machine, api, ["--help"])).ms)
  print("bundle_cold_start_ms", (yield* timed(machine, api, ["--version"], fromBundle)).ms)
  print("bundle_help_ms", (yield* timed(machine, api, ["--help"], fromBundle)).ms)

  const ada = yield* Harness.person(api)
  const project = yield* Harness.request(
    api,
    "POST",
    `/v1/workspaces/${ada.workspaceId}/projects`,
    { name: "bench" },
    ada.token,
  )
  const environments = yield* Harness.request(
    api,
    "GET",
    `/v1/projects/${project.body.id}/environments`,
    undefined,
    ada.token,
  )
  const environmentId: string = environments.body[0].id
  for (let i = 0; i < services; i++) {
    const created = yield* Harness.request(
      api,
      "POST",
      `/v1/environments/${environmentId}/services`,
      { name: `svc-${i}`, type: "worker", source: { type: "image", imageRef: "busybox:1" } },
      ada.token,
    )
    if (created.status !== 201) throw new Error(`service ${i}: ${created.status} ${JSON.stringify(created.body)}`)
  }
  writeFileSync(
    join(machine.folder, ".starform.json"),
    JSON.stringify({ workspaceId: ada.workspaceId, projectId: project.body.id, environmentId, serviceId: null }),
  )
  const token = yield* Harness.request(
    api,
    "POST",
    `/v1/workspaces/${ada.workspaceId}/tokens`,
    { name: "bench", scopes: ["read_only"] },
    ada.token,
  )
  const asToken = { env: { STARFORM_TOKEN: token.body.secret } }
  const status = yield* timed(machine, api, ["status", "--json"], asToken)
  print("status_ms", status.ms)
  print("bundle_status_ms", (yield* timed(machine, api, ["status", "--json"], { ...asToken, ...fromBundle })).ms)
  print("status_services", JSON.parse(status.last.stdout).services.length)

  const deployer = yield* Harness.request(
    api,
    "POST",
    `/v1/workspaces/${ada.workspaceId}/tokens`,
    { name: "bench-up", scopes: ["deploy"], projectId: project.body.id },
    ada.token,
  )
  const asDeployer = { env: { STARFORM_TOKEN: deployer.body.secret } }
  const large = join(machine.folder, "large")
  mkdirSync(large)
  writeFileSync(
    join(large, ".starform.json"),
    JSON.stringify({ workspaceId: ada.workspaceId, projectId: project.body.id, environmentId, serviceId: null }),
  )
  for (let i = 0; i < uploadMb / 5; i++) writeFileSync(join(large, `blob-${i}.bin`), randomBytes(5 * 1024 * 1024))
  const uploads: Array<number> = []
  for (let i = 0; i < 3; i++) {
    const started = performance.now()
    const up = yield* Harness.run(machine, api, ["up", "--service", "svc-0", "--detach"], { ...asDeployer, cwd: large })
    const seconds = (performance.now() - started) / 1000
    if (up.code !== 0) throw new Error(`starform up failed: ${up.stderr}`)
    const packed = Number(/Packed \d+ files: ([\d.]+) MiB/.exec(up.stderr)?.[1] ?? Number.NaN) * 1.048576
    uploads.push(packed / seconds)
  }
  print("up_upload_mb_s", median(uploads))

  const small = join(machine.folder, "small")
  mkdirSync(small)
  writeFileSync(
    join(small, ".starform.json"),
    JSON.stringify({ workspaceId: ada.workspaceId, projectId: project.body.id, environmentId, serviceId: null }),
  )
  writeFileSync(join(small, "index.js"), "console.log('up')\n")
  const started = performance.now()
  const active = yield* Harness.run(machine, api, ["up", "--service", "svc-1"], { ...asDeployer, cwd: small })
  if (active.code !== 0) throw new Error(`starform up failed: ${active.stderr}`)
  print("up_to_active_s", (performance.now() - started) / 1000)
})

Effect.runPromise(program.pipe(Effect.provide(TestDatabase.layer), Effect.scoped)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
