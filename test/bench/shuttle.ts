/**
 * `npm run bench:shuttle`: Shuttle on kube-sim (fast simulated time, in a process of its own) with 1,000 services
 * across 50 environments
 * (per environment 14 public web services, 4 workers and 2 cron jobs, one replica each), its desired state served
 * over HTTP by the real ShuttleRpc contract.
 *
 * Prints `key=value` lines:
 * - `converge_s`: from publishing the desired state on an empty cluster until every release is reported ready.
 * - `noop_writes` / `noop_requests`: one full pass over the unchanged cluster (Shuttle's count of what it sent).
 * - `change_to_apply_p50_ms` / `change_to_apply_p99_ms`: from a new version with one service changed (a new release)
 *   being available to Shuttle's long-poll until the API server has that release's Deployment, over `changes`
 *   rounds. It includes the transfer and checking of the whole 1,000-service document.
 * - `naive_noop_writes` / `naive_converge_s`: the same for a naive reconciler on a fresh cluster, that applies every
 *   rendered object on every pass and polls until everything is ready; `noop_write_ratio` and `converge_ratio` set
 *   the two side by side.
 */
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { Kube, type KubeConfigOptions, type KubeError } from "@starform/kube"
import { type KubeObject, Options, Order, Render } from "@starform/manifests"
import { Cluster, KubeCluster, Metrics, Settings, Shuttle, Starbase, Supervisor } from "@starform/shuttle"
import { Context, Effect, Layer, Stream } from "effect"
import * as Fixtures from "../../packages/manifests/test/fixtures.ts"
import * as Projects from "../../shuttle/test/support/Projects.ts"

const environmentsCount = 50
const web = 14
const workers = 4
const crons = 2
const changes = 40

const round = (value: number) => Math.round(value * 1000) / 1000
const print = (key: string, value: number) => console.log(`${key}=${round(value)}`)
const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

const render: Options.Options = {
  ...Options.defaults,
  gateway: { namespace: "envoy-gateway-system", name: "eg" },
  minReadySeconds: 5,
}
const settings: Settings.Settings = {
  ...Settings.defaults,
  render,
  // No periodic pass during the measurements: the no-op pass is run on purpose.
  resyncMs: 3_600_000,
  pollWaitMs: 30_000,
  recheckMs: 250,
  retryCapMs: 2_000,
}

/** The cluster's environments: 50 of 20 services, drained at once so a new release replaces the old quickly. */
const fleet = () =>
  Array.from({ length: environmentsCount }, (_, e) => {
    const ids = Fixtures.environmentIds(`env-${e}`)
    const services = [
      ...Array.from({ length: web }, (_, i) =>
        Fixtures.service(ids, {
          name: `web-${i}`,
          domains: [`web-${i}-${e}.example.com`],
          scaling: { mode: "fixed", replicas: 1 },
          drainingSeconds: 0,
        }),
      ),
      ...Array.from({ length: workers }, (_, i) =>
        Fixtures.service(ids, { name: `worker-${i}`, type: "worker", scaling: { mode: "fixed", replicas: 1 } }),
      ),
      ...Array.from({ length: crons }, (_, i) =>
        Fixtures.service(ids, { name: `cron-${i}`, type: "cron", cronSchedule: "0 3 * * *" }),
      ),
    ]
    return Fixtures.environment(ids, services)
  })

/**
 * kube-sim in a process of its own, as an API server is: its controllers do not share Shuttle's event loop, and
 * everything the bench learns of the cluster comes over HTTP too.
 */
const startSim = Effect.acquireRelease(
  Effect.promise(
    () =>
      new Promise<{ readonly kubeConfig: KubeConfigOptions; readonly stop: () => void }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ["packages/kube-sim/src/bin/serve.ts", "--port", "0", "--clock", "fast", "--gateway"],
          { stdio: ["ignore", "pipe", "inherit"] },
        )
        child.once("error", reject)
        child.once("exit", (code) => reject(new Error(`kube-sim exited with ${code}`)))
        createInterface({ input: child.stdout }).once("line", (line) => {
          const url = /(http:\/\/\S+)/.exec(line)?.[1]
          if (url === undefined) return reject(new Error(`kube-sim said: ${line}`))
          resolve({
            kubeConfig: {
              clusters: [{ name: "kube-sim", server: url, skipTLSVerify: true }],
              users: [{ name: "kube-sim", token: "kube-sim" }],
              contexts: [{ name: "kube-sim", cluster: "kube-sim", user: "kube-sim" }],
              currentContext: "kube-sim",
            },
            stop: () => child.kill("SIGTERM"),
          })
        })
      }),
  ),
  (sim) => Effect.sync(() => sim.stop()),
)

const clusterLayer = (sim: { readonly kubeConfig: KubeConfigOptions }) =>
  KubeCluster.layer().pipe(
    Layer.provide(Kube.layerFromOptions(sim.kubeConfig)),
    Layer.provideMerge(Metrics.layerIsolated),
  )

/** When each Deployment was first seen on a watch of the API server, by namespace/name (the bench's own connection). */
const deploymentsSeen = (sim: { readonly kubeConfig: KubeConfigOptions }) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(clusterLayer(sim))
    const cluster = Context.get(context, Cluster.Cluster)
    const seen = new Map<string, number>()
    const kind = { apiVersion: "apps/v1", kind: "Deployment" }
    const selector = "app.kubernetes.io/managed-by=shuttle"
    const follow = (from: string): Effect.Effect<void, KubeError> =>
      Effect.suspend(() => {
        let version = from
        return cluster.watch(kind, selector, version).pipe(
          Stream.runForEach((event) =>
            Effect.sync(() => {
              if (event.type === "BOOKMARK") {
                version = event.resourceVersion
                return
              }
              version = (event.object.metadata as { resourceVersion?: string }).resourceVersion ?? version
              const key = `${event.object.metadata.namespace}/${event.object.metadata.name}`
              if (!seen.has(key)) seen.set(key, performance.now())
            }),
          ),
          Effect.flatMap(() => follow(version)),
        )
      })
    const listed = yield* cluster.list(kind, selector)
    yield* follow(listed.resourceVersion).pipe(Effect.orDie, Effect.forkScoped)
    return seen
  })

const waitUntil = (check: () => boolean, what: string, timeoutMs = 300_000, everyMs = 50) =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`bench: ${what} not reached in ${timeoutMs} ms`))
      yield* Effect.sleep(everyMs)
    }
  })

/** Shuttle: converge, a no-op pass, then single-service changes. */
const shuttle = Effect.gen(function* () {
  const sim = yield* startSim
  const projects = yield* Projects.make()
  const context = yield* Layer.build(
    Shuttle.layer(settings).pipe(
      Layer.provideMerge(clusterLayer(sim)),
      Layer.provide(Starbase.layer({ url: projects.url, clusterId: projects.clusterId, token: projects.token })),
    ),
  )
  const supervisor = Context.get(context, Supervisor.Supervisor)
  const counts = Metrics.counts.pipe(Effect.provideContext(context))
  const cluster = Context.get(context, Cluster.Cluster)
  const seen = yield* deploymentsSeen(sim)

  let environments = fleet()
  const releases = environments.flatMap((environment) => environment.services.map((s) => s.release.deploymentId))
  const started = Date.now()
  yield* projects.publish(environments)
  yield* waitUntil(() => releases.every((id) => projects.latest().get(id)?.phase === "ready"), "every release ready")
  const convergeS = (Date.now() - started) / 1000
  print("converge_s", convergeS)
  print("services", releases.length)
  print(
    "pods",
    (yield* cluster.list({ apiVersion: "v1", kind: "Pod" }, "app.kubernetes.io/managed-by=shuttle")).items.length,
  )

  yield* supervisor.idle
  const before = yield* counts
  yield* supervisor.pass
  const after = yield* counts
  const noopWrites = after.writes - before.writes
  print("noop_writes", noopWrites)
  print("noop_requests", after.requests - before.requests)

  const latencies: Array<number> = []
  for (let round = 0; round < changes; round++) {
    const e = round % environmentsCount
    const environment = environments[e]!
    const index = round % web
    const service = environment.services[index]!
    const release = Fixtures.release(service.release.number + 1)
    const name = `${service.namespace}/${service.name}-r${release.number}`
    const changed = { ...service, release, previousRelease: service.release }
    const services = environment.services.map((s, i) => (i === index ? changed : s))
    environments = environments.map((env, i) => (i === e ? { ...environment, services } : env))
    yield* projects.publish(environments)
    // From the moment the new version can be fetched (the projects service's building of it is not Shuttle's).
    const at = projects.publishedAt()
    yield* waitUntil(() => seen.has(name), `deployment ${name} written`, 30_000, 1)
    latencies.push(seen.get(name)! - at)
    yield* waitUntil(() => projects.latest().get(release.deploymentId)?.phase === "ready", `${name} ready`, 60_000)
  }
  print("change_to_apply_p50_ms", percentile(latencies, 50))
  print("change_to_apply_p99_ms", percentile(latencies, 99))
  return { convergeS, noopWrites }
}).pipe(Effect.scoped)

/**
 * The baseline: no cache, no diff, no inventory — every pass applies every rendered object of every service and
 * environment, then lists Deployments to see whether all are ready.
 */
const naive = Effect.gen(function* () {
  const sim = yield* startSim
  const context = yield* Layer.build(clusterLayer(sim))
  const cluster = Context.get(context, Cluster.Cluster)
  const counts = Metrics.counts.pipe(Effect.provideContext(context))
  const environments = fleet()
  const objects = environments.flatMap((environment) => [
    ...Render.environment(environment),
    ...environment.services.flatMap((service) => Render.service(service, render)),
  ])
  const expected = environments.flatMap((e) => e.services).filter((s) => s.type !== "cron").length
  // Whatever fails (an object whose namespace is not there yet) is simply applied again on the next pass.
  const pass = Effect.forEach(Order.forApply(objects), (object) => Effect.ignore(cluster.apply(object)), {
    concurrency: 32,
    discard: true,
  })
  const allReady = cluster
    .list({ apiVersion: "apps/v1", kind: "Deployment" }, "app.kubernetes.io/managed-by=shuttle")
    .pipe(
      Effect.map(
        (listed) =>
          listed.items.length === expected &&
          listed.items.every((deployment) => {
            const status = (
              deployment as KubeObject.KubeObject & {
                status?: { availableReplicas?: number; updatedReplicas?: number }
              }
            ).status
            return (status?.availableReplicas ?? 0) >= 1 && (status?.updatedReplicas ?? 0) >= 1
          }),
      ),
    )
  const started = Date.now()
  for (;;) {
    yield* pass
    if (yield* allReady) break
    yield* Effect.sleep("250 millis")
  }
  const convergeS = (Date.now() - started) / 1000
  print("naive_converge_s", convergeS)
  const before = yield* counts
  yield* pass
  const after = yield* counts
  const noopWrites = after.writes - before.writes
  print("naive_noop_writes", noopWrites)
  print("naive_noop_requests", after.requests - before.requests)
  return { convergeS, noopWrites }
}).pipe(Effect.scoped)

const main = Effect.gen(function* () {
  const ours = yield* shuttle
  const baseline = yield* naive
  print("noop_write_ratio", ours.noopWrites / baseline.noopWrites)
  print("converge_ratio", ours.convergeS / baseline.convergeS)
})

Effect.runPromise(main.pipe(Effect.orDie)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
