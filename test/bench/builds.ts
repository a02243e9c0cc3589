/**
 * `npm run bench:builds`: 500 GitHub webhook deliveries (400 distinct pushes and 100 redeliveries of them, 20 %)
 * posted at concurrency 32 to the gateway's `POST /webhooks/github`, with Starbase on its own database on the
 * machine's PostgreSQL, the builds service behind it and build Jobs on a simulated cluster. The pushes go to 50
 * repositories, one service each, so later pushes to a service also cancel the build they replace.
 *
 * Prints `key=value` lines:
 * - `deliveries_per_s`: deliveries answered per second over the whole run; `p99_ms` / `p50_ms`: their latency.
 * - `baseline_per_s`: `GET /healthz` (one database round trip) at the same concurrency, the same number of times,
 *   in the same run; `throughput_ratio` is deliveries_per_s over it.
 * - `duplicate_builds`: deployments or builds made more than once for one push (must be 0).
 * - `lost_deliveries`: distinct pushes without their deployment or not recorded as processed (must be 0).
 * - `api_deploy_to_build_start_p99_ms` / `_p50_ms`: then, while those builds still run, a person deploys 30 services
 *   of another workspace one after the other through the gateway's `POST /v1/services/:id/deployments`; each is
 *   timed from the request until its build Job exists in the cluster (each build ends before the next deploy, so
 *   the plan's concurrency never holds one back).
 */
import { randomBytes } from "node:crypto"
import { NodeHttpClient } from "@effect/platform-node"
import { Builds } from "@starform/builds"
import { FieldCrypto } from "@starform/crypto"
import { ProjectsRpc } from "@starform/domain"
import { Kube } from "@starform/kube"
import { Simulator } from "@starform/kube-sim"
import { ControlPlane } from "@starform/starbase"
import { FakeGithub, Fixtures, GithubPayloads, Mailbox, TestDatabase } from "@starform/testkit"
import { Effect, Layer, Redacted } from "effect"
import { RpcClient, RpcSerialization } from "effect/rpc"
import * as SqlClient from "effect/sql/SqlClient"

const distinct = 400
const redeliveries = 100
const concurrency = 32
const repositories = 50
const installationId = 4242
const apiDeploys = 30
const apiInstallationId = 4243

const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}
/** Resolves when `check` holds, looking every 2 ms: the in-process cluster is cheap to ask. */
const until = (check: () => boolean, what: string, ms = 60_000) =>
  new Promise<void>((resolve, reject) => {
    const deadline = performance.now() + ms
    const look = () => {
      if (check()) return resolve()
      if (performance.now() > deadline) return reject(new Error(`timed out waiting for ${what}`))
      setTimeout(look, 2)
    }
    look()
  })
const print = (key: string, value: number) => console.log(`${key}=${Math.round(value * 100) / 100}`)

/** Sends `requests` with at most `concurrency` in flight; each one's latency, and the whole run's time. */
const load = async (requests: ReadonlyArray<() => Promise<Response>>) => {
  const latencies: Array<number> = []
  const statuses = new Map<number, number>()
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const request = requests[next++]!
        const at = performance.now()
        const response = await request()
        await response.arrayBuffer()
        latencies.push(performance.now() - at)
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
      }
    }),
  )
  return { latencies, seconds: (performance.now() - started) / 1000, statuses }
}

const program = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const github = yield* FakeGithub.make()
  const sim = yield* Effect.acquireRelease(
    Effect.promise(() => Simulator.start({ clock: "fast" })),
    (s) => Effect.promise(() => s.stop()),
  )
  // builds run (and wait) as long as the benchmark: it measures intake, not the simulated builds
  sim.pods.script({ labels: { [Builds.Job.component]: "build" } }, { exit: { afterMs: 86_400_000, exitCode: 0 } })
  // the gateway reads its budgets at start-up: a person deploys 10 times a minute, the benchmark deploys 30 at once
  yield* sql`UPDATE rate_limit_budgets SET capacity = 1000, refill_per_minute = 1000 WHERE name = 'deploy'`
  const running = yield* ControlPlane.start({
    host: "127.0.0.1",
    port: 0,
    identityPort: 0,
    logRequests: false,
    buildCluster: Kube.layerFromOptions(sim.kubeConfig),
    github: {
      appId: String(github.appId),
      privateKey: Redacted.make(github.privateKey),
      apiUrl: github.url,
      appUrl: "https://github.com/apps/starform-bench",
    },
    githubWebhookSecret: GithubPayloads.testSecret,
  }).pipe(Effect.provide(FieldCrypto.layerFromKeys(randomBytes(32))))

  // a workspace with the app installed on "bench", a project deploying branch main, 50 services of 50 repositories
  const protocol = yield* Layer.build(
    RpcClient.layerProtocolHttp({ url: `${running.projectsUrl}${ProjectsRpc.path}` }).pipe(
      Layer.provide(RpcSerialization.layerJson),
      Layer.provide(NodeHttpClient.layerUndici),
    ),
  )
  const ops = yield* RpcClient.make(ProjectsRpc.ProjectsRpcs).pipe(Effect.provideContext(protocol))
  const workspace = yield* Fixtures.workspace({ plan: "pro" })
  const region = yield* ops.CreateRegion({ slug: "bench" as never, name: "Bench" as never })
  yield* ops.RegisterCluster({
    regionId: region.id,
    name: "bench-1" as never,
    apiUrl: "https://kube.example.test",
    kubeconfig: "apiVersion: v1\nkind: Config\n",
  })
  const project = yield* ops.CreateProject({
    workspaceId: workspace.id as never,
    request: { name: "bench" as never, regionId: region.id },
  })
  const [production] = yield* ops.ListEnvironments({ projectId: project.id })
  yield* ops.UpdateEnvironment({ environmentId: production!.id, request: { gitBranch: "main" } })
  for (let i = 0; i < repositories; i++) {
    yield* ops.CreateService({
      environmentId: production!.id,
      request: {
        name: `svc-${i}` as never,
        type: "worker",
        source: { type: "repo", repoFullName: `bench/repo-${i}` as never, branch: "main", rootDirectory: "/" as never },
      },
    })
  }
  github.addInstallation({ id: installationId, account: { login: "bench", id: 1, type: "Organization" } })
  yield* sql`INSERT INTO github_installations ${sql.insert({
    id: `ghi_${Date.now().toString(36).padStart(9, "0")}${randomBytes(8).toString("hex").slice(0, 15)}`,
    workspaceId: workspace.id,
    installationId,
    accountLogin: "bench",
    accountType: "Organization",
  })}`

  // 400 distinct signed pushes, and 100 of them again with their own delivery ids, shuffled in
  const pushes = yield* Effect.promise(() =>
    Promise.all(
      Array.from({ length: distinct }, (_, i) =>
        GithubPayloads.deliver(
          "push",
          GithubPayloads.push({ repoFullName: `bench/repo-${i % repositories}`, branch: "main", installationId }),
        ),
      ),
    ),
  )
  const deliveries = [...pushes, ...pushes.filter((_, i) => i % 4 === 0)]
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!]
  }
  if (deliveries.length !== distinct + redeliveries) throw new Error("the delivery mix is not 500 with 20 % duplicates")

  const url = running.gatewayUrl
  const baseline = yield* Effect.promise(() =>
    load(Array.from({ length: deliveries.length }, () => () => fetch(`${url}/healthz`))),
  )
  const run = yield* Effect.promise(() =>
    load(
      deliveries.map(
        (delivery) => () =>
          fetch(`${url}/webhooks/github`, { method: "POST", headers: delivery.headers, body: delivery.body }),
      ),
    ),
  )

  const [counts] = yield* sql<{ readonly extraDeployments: number; readonly extraBuilds: number }>`
    SELECT
      (SELECT coalesce(sum(n - 1), 0)::int FROM (SELECT count(*) AS n FROM deployments GROUP BY commit_sha) d) AS extra_deployments,
      (SELECT coalesce(sum(n - 1), 0)::int FROM (SELECT count(*) AS n FROM builds GROUP BY deployment_id, attempt) b) AS extra_builds`
  const shas = pushes.map((delivery) => JSON.parse(delivery.body).after as string)
  const found = yield* sql<{ readonly commitSha: string }>`SELECT DISTINCT commit_sha FROM deployments`
  const processed = yield* sql<{ readonly deliveryId: string }>`
    SELECT delivery_id FROM webhook_deliveries WHERE status = 'processed'`
  const deployedShas = new Set(found.map((row) => row.commitSha))
  const processedIds = new Set(processed.map((row) => row.deliveryId))
  const lost = pushes.filter((delivery, i) => !deployedShas.has(shas[i]!) || !processedIds.has(delivery.id)).length

  // a person deploys through the API: from the request until the build Job is in the cluster
  const personEmail = `bench-${Date.now()}@example.com`
  const person = yield* Effect.promise(() =>
    fetch(`${url}/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: personEmail, password: "correct horse battery staple", name: "Bench" }),
    }).then((r) => r.json() as Promise<{ readonly tokens: { readonly accessToken: string } }>),
  )
  // deploying needs a verified address: the person follows the emailed link
  const verification = yield* Mailbox.lastLink(personEmail, "verify_email")
  yield* Effect.promise(() =>
    fetch(`${url}/v1/auth/verify-email`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: verification.token }),
    }).then((r) => {
      if (r.status >= 300) throw new Error(`verifying the bench's address answered ${r.status}`)
    }),
  )
  const token = person.tokens.accessToken
  const authorized = { authorization: `Bearer ${token}`, "content-type": "application/json" }
  const apiWorkspace = yield* Effect.promise(() =>
    fetch(`${url}/v1/workspaces`, {
      method: "POST",
      headers: authorized,
      body: JSON.stringify({ name: "Bench API" }),
    }).then((r) => r.json() as Promise<{ readonly id: string }>),
  )
  const apiProject = yield* ops.CreateProject({
    workspaceId: apiWorkspace.id as never,
    request: { name: "bench-api" as never, regionId: region.id },
  })
  const [apiProduction] = yield* ops.ListEnvironments({ projectId: apiProject.id })
  github.addInstallation({ id: apiInstallationId, account: { login: "benchapi", id: 2, type: "Organization" } })
  yield* sql`INSERT INTO github_installations ${sql.insert({
    id: `ghi_${Date.now().toString(36).padStart(9, "0")}${randomBytes(8).toString("hex").slice(0, 15)}`,
    workspaceId: apiWorkspace.id,
    installationId: apiInstallationId,
    accountLogin: "benchapi",
    accountType: "Organization",
  })}`
  // this workspace's builds end quickly, so each deploy finds the plan's one build slot free
  sim.pods.script(
    { labels: { [Builds.Job.component]: "build", "starform.io/workspace-id": apiWorkspace.id } },
    {
      exit: { afterMs: 1000, exitCode: 0 },
      logs: [
        "::starform phase=cloning",
        { atMs: 500, line: `::starform pushed digest=sha256:${"ab".repeat(32)} size=1000` },
      ],
    },
  )
  const jobType = sim.cluster.registry.lookup("batch/v1", "Job")!
  const jobOf = (deploymentId: string) =>
    sim.cluster.list(jobType, Builds.Job.namespace, { labelSelector: `starform.io/deployment-id=${deploymentId}` })
      .items.length > 0
  const deployLatencies: Array<number> = []
  for (let i = 0; i < apiDeploys; i++) {
    const service = yield* ops.CreateService({
      environmentId: apiProduction!.id,
      request: {
        name: `api-${i}` as never,
        type: "worker",
        source: {
          type: "repo",
          repoFullName: `benchapi/api-${i}` as never,
          branch: "main",
          rootDirectory: "/" as never,
        },
      },
    })
    const sent = performance.now()
    const deployment = yield* Effect.promise(() =>
      fetch(`${url}/v1/services/${service.id}/deployments`, {
        method: "POST",
        headers: authorized,
        body: JSON.stringify({ commitSha: randomBytes(20).toString("hex") }),
      }).then(async (r) => {
        if (r.status !== 201) throw new Error(`deploying through the API answered ${r.status}: ${await r.text()}`)
        return (await r.json()) as { readonly id: string }
      }),
    )
    yield* Effect.promise(() => until(() => jobOf(deployment.id), `the build Job of ${deployment.id}`))
    deployLatencies.push(performance.now() - sent)
    const finished = sql<{ readonly n: number }>`
      SELECT count(*)::int AS n FROM builds WHERE deployment_id = ${deployment.id} AND reported_at IS NOT NULL`
    while ((yield* finished)[0]!.n === 0) yield* Effect.sleep(20)
  }

  const failed = [...run.statuses].filter(([status]) => status !== 200).reduce((sum, [, n]) => sum + n, 0)
  print("deliveries", deliveries.length)
  print("duplicates_posted", redeliveries)
  print("concurrency", concurrency)
  print("deliveries_per_s", deliveries.length / run.seconds)
  print("p50_ms", percentile(run.latencies, 50))
  print("p99_ms", percentile(run.latencies, 99))
  print("baseline_per_s", deliveries.length / baseline.seconds)
  print("throughput_ratio", deliveries.length / run.seconds / (deliveries.length / baseline.seconds))
  print("non_200_answers", failed)
  print("duplicate_builds", counts!.extraDeployments + counts!.extraBuilds)
  print("lost_deliveries", lost)
  print("api_deploys", apiDeploys)
  print("api_deploy_to_build_start_p50_ms", percentile(deployLatencies, 50))
  print("api_deploy_to_build_start_p99_ms", percentile(deployLatencies, 99))
})

Effect.runPromise(program.pipe(Effect.provide(TestDatabase.layer), Effect.scoped)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
