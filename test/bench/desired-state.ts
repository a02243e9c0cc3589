/**
 * `npm run bench:desired-state`: one cluster running 1,000 services of 10 variables each (100 environments of 10
 * services), on a database of its own on the machine's PostgreSQL.
 *
 * Prints `key=value` lines:
 * - `build_ms`: building and serialising the whole document (canonical bytes and hash) from the loaded rows, median;
 *   `serialize_baseline_ms` is a bare `JSON.stringify` of the same document, and `build_ratio` the one over the other.
 * - `load_ms`: the cold path before it — reading the cluster's rows and decrypting 10,000 values.
 * - `rebuild_ms`: a rebuild after one service changed (the other 999 pieces are remembered), median.
 * - `doc_bytes`: the document's size.
 * - `notify_p50_ms` / `notify_p99_ms`: from a change to one service being committed (a release starts and
 *   completes in one transaction) until a Shuttle long-poll waiting over HTTP (`GetDesiredStateDocument`) has
 *   returned the new version's bytes; `open_document_ms` is then checking their hash and decoding them as Shuttle
 *   does (`Document.open`, nothing remembered); `rtt_baseline_ms` is the client's round trip for a call that returns
 *   at once with a one-service document, and `notify_ratio` notify_p50 over it.
 */
import { randomBytes } from "node:crypto"
import { NodeHttpClient } from "@effect/platform-node"
import { Catalog, FieldCrypto } from "@starform/crypto"
import { Ids, ServiceConfig, ShuttleRpc } from "@starform/domain"
import { IdentityConfig, IdentityServer } from "@starform/identity"
import { Clusters, Deployments, DesiredStateDocument, DesiredStateFeed, Server, Snapshot } from "@starform/projects"
import { Document } from "@starform/shuttle"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Context, Effect, Fiber, Layer, Result, Schema } from "effect"
import { HttpServer } from "effect/http"
import { RpcClient, RpcSerialization } from "effect/rpc"
import * as SqlClient from "effect/sql/SqlClient"

const environmentsCount = 100
const servicesPerEnvironment = 10
const variablesPerService = 10
const notifyRounds = 60

const median = (values: ReadonlyArray<number>) => percentile(values, 50)
const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}
const round = (value: number) => Math.round(value * 100) / 100
const print = (key: string, value: number) => console.log(`${key}=${round(value)}`)

const encodeConfig = Schema.encodeSync(ServiceConfig.ServiceConfig)

/** The cluster's rows, written directly: a realistic shape without 1,000 trips through the deploy path. */
const seed = (clusterId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const crypto = yield* FieldCrypto
    const workspace = yield* Fixtures.workspace()
    const serviceIds: Array<string> = []
    for (let e = 0; e < environmentsCount; e++) {
      const projectId = Ids.newId("project")
      const environmentId = Ids.newId("environment")
      yield* sql`INSERT INTO projects ${sql.insert({ id: projectId, workspaceId: workspace.id, name: `app-${e}` })}`
      yield* sql`INSERT INTO environments ${sql.insert({ id: environmentId, projectId, name: "production", clusterId })}`
      const services: Array<Record<string, string | number | boolean | null>> = []
      const deployments: Array<Record<string, string | number | Date | null>> = []
      for (let s = 0; s < servicesPerEnvironment; s++) {
        const serviceId = Ids.newId("service")
        serviceIds.push(serviceId)
        const config = encodeConfig({
          ...ServiceConfig.defaults,
          probes: {
            ...ServiceConfig.defaults.probes,
            readiness: Schema.decodeUnknownSync(ServiceConfig.Probe)({ type: "http", path: "/healthz" }),
          },
        })
        services.push({
          id: serviceId,
          projectId,
          environmentId,
          name: `svc-${s}`,
          type: "web",
          sourceType: "image",
          imageRef: "ghcr.io/acme/api:1.0.0",
          port: 8080,
          isPublic: false,
          config: JSON.stringify(config),
        })
        const variables: Record<string, string> = {}
        for (let v = 0; v < variablesPerService; v++) {
          variables[`VARIABLE_${v}`] = `value-${v}-${randomBytes(12).toString("base64url")}`
        }
        const snapshot = {
          service: {
            name: `svc-${s}`,
            type: "web",
            sourceType: "image",
            repoFullName: null,
            branch: null,
            rootDirectory: "/",
            imageRef: "ghcr.io/acme/api:1.0.0",
            port: 8080,
            cronSchedule: null,
            isPublic: false,
          },
          config,
          variableKeys: Object.keys(variables).sort(),
        }
        deployments.push({
          id: Ids.newId("deployment"),
          projectId,
          environmentId,
          serviceId,
          number: 1,
          status: "active",
          trigger: "api",
          imageRef: "ghcr.io/acme/api:1.0.0",
          configSnapshot: JSON.stringify(snapshot),
          variablesCiphertext: yield* crypto.encrypt(JSON.stringify(variables), Catalog.deploymentVariables),
          startedAt: new Date(Date.now() - 60_000),
          finishedAt: new Date(),
        })
      }
      yield* sql`INSERT INTO services ${sql.insert(services as [Record<string, unknown>, ...Array<Record<string, unknown>>])}`
      yield* sql`INSERT INTO deployments ${sql.insert(deployments as [Record<string, unknown>, ...Array<Record<string, unknown>>])}`
    }
    return serviceIds
  })

const program = Effect.gen(function* () {
  const clusters = yield* Clusters
  const region = yield* clusters.createRegion("bench-1", "Bench")
  const { cluster, token } = yield* clusters.register({
    regionId: region.id,
    name: "bench-cluster",
    apiUrl: "https://bench.example.test",
    kubeconfig: "apiVersion: v1\nkind: Config\n",
  })
  const serviceIds = yield* seed(cluster.id)

  // cold: read the rows and open 10,000 sealed values
  const feed = yield* DesiredStateFeed
  const loadStart = performance.now()
  const published = yield* feed.current(cluster.id)
  const loadMs = performance.now() - loadStart
  const services = published.content.environments.reduce((count, environment) => count + environment.services.length, 0)
  if (services !== environmentsCount * servicesPerEnvironment)
    throw new Error(`expected 1000 services, got ${services}`)

  // the builder alone on the same inputs, from nothing each time
  const inputs: Array<DesiredStateDocument.EnvironmentInput> = published.content.environments.map((environment) => ({
    workspaceId: environment.workspaceId,
    projectId: environment.projectId,
    environmentId: environment.environmentId,
    name: environment.environment,
    isEphemeral: environment.isEphemeral,
    clusterId: cluster.id,
    services: environment.services.map((service) => ({
      serviceId: service.serviceId,
      release: { ...service.release },
      snapshot: Snapshot.decode({
        service: {
          name: service.name,
          type: service.type,
          sourceType: "image",
          repoFullName: null,
          branch: null,
          rootDirectory: "/",
          imageRef: service.release.imageRef,
          port: service.port,
          cronSchedule: null,
          isPublic: service.isPublic,
        },
        config: encodeConfig({ ...ServiceConfig.defaults, probes: { startup: null, liveness: null, readiness: null } }),
        variables: {},
      }),
      variables: service.variables,
      previous: null,
      domains: [],
    })),
  }))
  const builds: Array<number> = []
  const baselines: Array<number> = []
  let bytes = ""
  for (let i = 0; i < 7; i++) {
    const start = performance.now()
    const built = DesiredStateDocument.buildOnce(cluster.id, inputs)
    builds.push(performance.now() - start)
    bytes = built.bytes
    const baselineStart = performance.now()
    JSON.stringify(built.content)
    baselines.push(performance.now() - baselineStart)
  }
  const builder = DesiredStateDocument.make()
  builder.build(cluster.id, inputs)
  const rebuilds: Array<number> = []
  for (let i = 0; i < 7; i++) {
    const changed = inputs.map((environment, index) =>
      index === i
        ? {
            ...environment,
            services: environment.services.map((service, at) =>
              at === 0
                ? { ...service, release: { ...service.release, deploymentId: Ids.newId("deployment"), number: i + 2 } }
                : service,
            ),
          }
        : environment,
    )
    const start = performance.now()
    builder.build(cluster.id, changed)
    rebuilds.push(performance.now() - start)
  }

  // Shuttle over HTTP
  const server = yield* HttpServer.HttpServer
  const documents = yield* RpcClient.make(ShuttleRpc.ShuttleDocumentRpcs).pipe(
    Effect.provideContext(
      yield* Layer.build(
        RpcClient.layerProtocolHttp({
          url: `${HttpServer.formatAddress(server.address)}${ShuttleRpc.documentPath}`,
        }).pipe(Layer.provide(RpcSerialization.layerJson), Layer.provide(NodeHttpClient.layerUndici)),
      ),
    ),
  )
  const asCluster = RpcClient.withHeaders({ authorization: `Bearer ${token}` })

  // baseline: a call that returns at once, on a cluster of one service
  const small = yield* clusters.register({
    regionId: region.id,
    name: "bench-small",
    apiUrl: "https://small.example.test",
    kubeconfig: "apiVersion: v1\nkind: Config\n",
  })
  const rtts: Array<number> = []
  for (let i = 0; i < 20; i++) {
    const start = performance.now()
    yield* documents
      .GetDesiredStateDocument({ clusterId: small.cluster.id, knownVersion: 0, waitMs: 0 })
      .pipe(RpcClient.withHeaders({ authorization: `Bearer ${small.token}` }))
    rtts.push(performance.now() - start)
  }

  const sql = yield* SqlClient.SqlClient
  const deployments = yield* Deployments
  let known = (yield* feed.current(cluster.id)).version
  /** One committed change to one service, timed until the waiting long-poll has returned it. */
  const notifyOnce = <A extends { readonly _tag: string }>(
    round: number,
    poll: (knownVersion: number) => Effect.Effect<A, unknown>,
    versionOf: (answer: A) => number,
  ) =>
    Effect.gen(function* () {
      const serviceId = serviceIds[(round * 37) % serviceIds.length]!
      const waiting = yield* Effect.forkChild(poll(known))
      yield* Effect.sleep("20 millis")
      let committedAt = 0
      const mark = sql.afterCommit(
        Effect.sync(() => {
          committedAt = performance.now()
        }),
      )
      // a new release of one service starts and completes: the document changes
      yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* mark
          const deployment = yield* deployments.create(serviceId, {}, "api", null)
          yield* deployments.activate(deployment.id)
        }),
      )
      const answer = yield* Fiber.join(waiting)
      const arrived = performance.now()
      if (answer._tag === "NotModified") throw new Error("the long-poll returned without the change")
      known = versionOf(answer)
      return { ms: arrived - committedAt, answer }
    })

  const notifies: Array<number> = []
  const opens: Array<number> = []
  for (let round = 0; round < notifyRounds; round++) {
    const { ms, answer } = yield* notifyOnce(
      round,
      (knownVersion) =>
        documents.GetDesiredStateDocument({ clusterId: cluster.id, knownVersion, waitMs: 10_000 }).pipe(asCluster),
      (answer) => (answer._tag === "ChangedDocument" ? answer.version : 0),
    )
    notifies.push(ms)
    if (answer._tag === "ChangedDocument") {
      const start = performance.now()
      if (Result.isFailure(Document.open(answer, Document.emptyMemo))) throw new Error("the document did not open")
      opens.push(performance.now() - start)
    }
  }
  // in-process: commit until the feed has published (no HTTP), to tell the rebuild from the transfer
  const inProcess: Array<number> = []
  for (let round = 200; round < 215; round++) {
    const serviceId = serviceIds[(round * 37) % serviceIds.length]!
    const before = (yield* feed.current(cluster.id)).version
    let committedAt = 0
    yield* sql.withTransaction(
      Effect.gen(function* () {
        yield* sql.afterCommit(
          Effect.sync(() => {
            committedAt = performance.now()
          }),
        )
        const deployment = yield* deployments.create(serviceId, {}, "api", null)
        yield* deployments.activate(deployment.id)
      }),
    )
    const after = yield* feed.current(cluster.id)
    if (after.version === before) throw new Error("no new version")
    inProcess.push(performance.now() - committedAt)
  }
  print("publish_p50_ms", median(inProcess))
  print("services", services)
  print("variables", services * variablesPerService)
  print("build_ms", median(builds))
  print("serialize_baseline_ms", median(baselines))
  print("build_ratio", median(builds) / median(baselines))
  print("load_ms", loadMs)
  print("rebuild_ms", median(rebuilds))
  print("doc_bytes", Buffer.byteLength(bytes))
  print("notify_p50_ms", median(notifies))
  print("notify_p99_ms", percentile(notifies, 99))
  print("open_document_ms", median(opens))
  print("rtt_baseline_ms", median(rtts))
  print("notify_ratio", median(notifies) / median(rtts))
})

/** The identity service beside it (projects records pruned history in its audit log), on the same database. */
const identityUrl = Effect.gen(function* () {
  const identity = yield* Layer.build(
    IdentityServer.layer({ host: "127.0.0.1", port: 0 }).pipe(Layer.provide(IdentityConfig.layer())),
  )
  return `${HttpServer.formatAddress(Context.get(identity, HttpServer.HttpServer).address)}${IdentityServer.rpcPath}`
})

const TestServer = Layer.unwrap(
  Effect.map(identityUrl, (url) => Server.layer({ host: "127.0.0.1", port: 0, identityUrl: url })),
).pipe(Layer.provideMerge(FieldCrypto.layerFromKeys(randomBytes(32))), Layer.provideMerge(TestDatabase.layer))

Effect.runPromise(program.pipe(Effect.provide(TestServer), Effect.scoped)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
