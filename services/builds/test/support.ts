import { randomBytes } from "node:crypto"
import { Builds } from "@starform/builds"
import { FieldCrypto } from "@starform/crypto"
import { type DeploymentsApi, type Ids, ServicesApi } from "@starform/domain"
import { IdentityConfig, IdentityServer } from "@starform/identity"
import { Kube } from "@starform/kube"
import { type PodBehavior, Simulator } from "@starform/kube-sim"
import { Clusters, Deployments, Projects, Server as ProjectsServer, Services } from "@starform/projects"
import { FakeGithub, Fixtures, GithubPayloads, TestDatabase } from "@starform/testkit"
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { HttpServer } from "effect/http"

/**
 * The builds service's parts against the real neighbours they talk to: the projects service on a real port (its
 * RPC), the simulated cluster (build Jobs with scripted outcomes) and the fake GitHub, on a database of the test
 * file's own.
 */

export class World extends Context.Service<
  World,
  {
    readonly github: FakeGithub.FakeGithub
    readonly sim: Simulator
    readonly projectsUrl: string
    readonly deployments: Deployments["Service"]
    readonly projects: Projects["Service"]
    readonly services: Services["Service"]
    readonly clusters: Clusters["Service"]
  }
>()("test/World") {}

const WorldLive = Layer.effect(
  World,
  Effect.gen(function* () {
    const github = yield* FakeGithub.make()
    const sim = yield* Effect.acquireRelease(
      Effect.promise(() => Simulator.start({ clock: "fast", tickMs: 100, intervalMs: 5 })),
      (s) => Effect.promise(() => s.stop()),
    )
    // the projects service asks identity for workspaces' plans: the real identity service, on the same database
    const identity = yield* Layer.build(
      IdentityServer.layer({ host: "127.0.0.1", port: 0 }).pipe(Layer.provide(IdentityConfig.layer())),
    )
    const identityUrl = `${HttpServer.formatAddress(Context.get(identity, HttpServer.HttpServer).address)}${IdentityServer.rpcPath}`
    const projectsServer = yield* Layer.build(ProjectsServer.layer({ host: "127.0.0.1", port: 0, identityUrl }))
    const address = Context.get(projectsServer, HttpServer.HttpServer).address
    return World.of({
      github,
      sim,
      projectsUrl: HttpServer.formatAddress(address),
      deployments: Context.get(projectsServer, Deployments),
      projects: Context.get(projectsServer, Projects),
      services: Context.get(projectsServer, Services),
      clusters: Context.get(projectsServer, Clusters),
    })
  }),
)

type ProjectsClient = Builds.Projects.Projects["Service"]

/**
 * The builds service's parts (no HTTP server) with the pipeline's pace `options`; `projects` may change how the
 * projects service answers them (e.g. slowly).
 */
export const testLayer = (
  options: Partial<Builds.Pipeline.PipelineOptions>,
  projects: (client: ProjectsClient) => ProjectsClient = (client) => client,
) =>
  Layer.unwrap(
    Effect.map(Effect.service(World), (world) =>
      Builds.Server.ServicesLive.pipe(
        Layer.provide(Builds.KubeRunner.layer),
        Layer.provide(Kube.layerFromOptions(world.sim.kubeConfig)),
        Layer.provideMerge(
          Layer.effect(
            Builds.Projects.Projects,
            Effect.map(Builds.Projects.Projects, (client) => Builds.Projects.Projects.of(projects(client))),
          ).pipe(Layer.provide(Builds.Projects.Projects.layer(world.projectsUrl))),
        ),
        Layer.provideMerge(Builds.Pipeline.PipelineOptionsService.layer(options)),
        Layer.provideMerge(
          Builds.GithubApp.GithubApp.layer({
            appId: String(world.github.appId),
            privateKey: Redacted.make(world.github.privateKey),
            apiUrl: world.github.url,
            appUrl: "https://github.com/apps/starform-test",
          }),
        ),
      ),
    ),
  ).pipe(
    Layer.provideMerge(WorldLive),
    Layer.provideMerge(FieldCrypto.layerFromKeys(randomBytes(32))),
    Layer.provideMerge(TestDatabase.layer),
  )

/** The builds service's parts (no HTTP server), its pipeline polling every 40 ms and retrying after 60 ms. */
export const TestLayer = testLayer({ pollMs: 40, retryBaseMs: 60 })

const decodeService = Schema.decodeUnknownSync(ServicesApi.CreateServiceRequest)

let installations = 9000

/**
 * A workspace on `plan` with the GitHub App installed on `owner` (FakeGithub knows it), a project whose production
 * environment deploys branch main and is placed on an active cluster.
 */
export const tenant = (options: { readonly plan?: string; readonly owner?: string } = {}) =>
  Effect.gen(function* () {
    const world = yield* World
    const owner = options.owner ?? Fixtures.uniqueName("acme")
    const workspace = yield* Fixtures.workspace({ plan: options.plan ?? "pro" })
    const region = yield* world.clusters.createRegion(Fixtures.uniqueName("region"), "Test region")
    yield* world.clusters.register({
      regionId: region.id,
      name: Fixtures.uniqueName("cluster"),
      apiUrl: "https://kube.example.test",
      kubeconfig: "apiVersion: v1\nkind: Config\n",
    })
    const project = yield* world.projects.create(workspace.id as string, {
      name: Fixtures.uniqueName("app") as never,
      regionId: region.id,
    })
    const [production] = yield* world.projects.listEnvironments(project.id)
    yield* world.projects.updateEnvironment(production!.id, { gitBranch: "main" })
    const installationId = ++installations
    world.github.addInstallation({
      id: installationId,
      account: { login: owner, id: installationId, type: "Organization" },
      repositories: [{ id: installationId * 10, name: "api", private: true, defaultBranch: "main" }],
    })
    const linked = yield* (yield* Builds.Installations.Installations).link({
      workspaceId: workspace.id,
      installationId,
      accountLogin: owner,
      accountType: "Organization",
      suspendedAt: null,
    })
    return {
      workspaceId: workspace.id as Ids.WorkspaceId,
      projectId: project.id,
      environmentId: production!.id,
      installationId,
      installation: linked,
      repo: `${owner}/api`,
      owner,
    }
  })

export const repoService = (
  environmentId: string,
  repo: string,
  options: { readonly name?: string; readonly rootDirectory?: string; readonly config?: Record<string, unknown> } = {},
) =>
  Effect.flatMap(Effect.service(World), (world) =>
    world.services.create(
      environmentId,
      decodeService({
        name: options.name ?? Fixtures.uniqueName("svc"),
        type: "worker",
        source: { type: "repo", repoFullName: repo, branch: "main", rootDirectory: options.rootDirectory ?? "/" },
        ...(options.config ? { config: options.config } : {}),
      }),
    ),
  )

let deliveries = 0

/** A signed push delivered to the builds service, as the gateway hands it over. */
export const push = (spec: GithubPayloads.PushSpec & { readonly deliveryId?: string }) =>
  Effect.gen(function* () {
    const events = yield* Builds.GithubEvents.GithubEvents
    const payload = GithubPayloads.push(spec)
    return yield* events.receive({
      deliveryId: spec.deliveryId ?? `push-${++deliveries}-${randomBytes(4).toString("hex")}`,
      event: "push",
      body: JSON.stringify(payload),
    })
  })

export const digest = (seed: string) => `sha256:${Buffer.from(seed.padEnd(32, "0").slice(0, 32)).toString("hex")}`

/** What a build Job of `serviceId` does on the simulated cluster, for its next `times` runs. */
export const script = (serviceId: string, behavior: PodBehavior, times = 1) =>
  Effect.flatMap(Effect.service(World), (world) =>
    Effect.sync(() =>
      world.sim.pods.script(
        { labels: { [Builds.Job.component]: "build", "starform.io/service-id": serviceId } },
        behavior,
        { times },
      ),
    ),
  )

export const scriptPredeploy = (serviceId: string, behavior: PodBehavior, times = 1) =>
  Effect.flatMap(Effect.service(World), (world) =>
    Effect.sync(() =>
      world.sim.pods.script(
        { labels: { [Builds.Job.component]: "predeploy", "starform.io/service-id": serviceId } },
        behavior,
        { times },
      ),
    ),
  )

/** A runner that clones, builds and pushes, writing its markers and a few log lines, in about `ms` (simulated). */
export const succeeds = (options: { readonly sizeBytes?: number; readonly ms?: number } = {}): PodBehavior => {
  const step = (options.ms ?? 4000) / 4
  return {
    exit: { afterMs: step * 4, exitCode: 0 },
    logs: [
      "::starform phase=cloning",
      { atMs: step * 0.5, line: "Cloned at the pushed commit" },
      { atMs: step, line: "::starform phase=building" },
      { atMs: step * 1.5, line: "↳ Detected Node" },
      { atMs: step * 2, line: "$ npm run build" },
      { atMs: step * 3, line: "::starform phase=pushing" },
      {
        atMs: step * 3.5,
        line: `::starform pushed digest=${digest("image")} size=${options.sizeBytes ?? 123_456_789}`,
      },
    ],
  }
}

/** A runner that clones, reaches `building` after half a (simulated) second, then builds for `ms` before pushing. */
export const buildsFor = (ms: number): PodBehavior => ({
  exit: { afterMs: ms + 1000, exitCode: 0 },
  logs: [
    "::starform phase=cloning",
    { atMs: 500, line: "::starform phase=building" },
    { atMs: ms, line: "::starform phase=pushing" },
    { atMs: ms + 500, line: `::starform pushed digest=${digest("image")} size=1000` },
  ],
})

/** A runner that reports `fault` during its build and exits with `exitCode`. */
export const fails = (fault: string, exitCode: number, ms = 2000): PodBehavior => ({
  exit: { afterMs: ms, exitCode },
  logs: [
    "::starform phase=cloning",
    { atMs: ms / 4, line: "::starform phase=building" },
    { atMs: ms / 2, line: "npm ERR! missing script: build" },
    { atMs: (ms * 3) / 4, line: `::starform fault=${fault} exit=${exitCode} the step failed` },
  ],
})

/** Polls `check` (every 50 ms, up to `ms`) until it returns a value other than undefined. */
export const eventually = <A>(check: Effect.Effect<A | undefined, unknown, unknown>, ms = 15_000, what = "condition") =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms
    while (true) {
      const value = yield* check
      if (value !== undefined) return value
      if (Date.now() > deadline) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.sleep(50)
    }
  }) as Effect.Effect<A, never, never>

export const deploymentOf = (deploymentId: string) =>
  Effect.flatMap(Effect.service(World), (world) => world.deployments.get(deploymentId)) as Effect.Effect<
    DeploymentsApi.DeploymentView,
    never,
    World
  >
