import { randomBytes } from "node:crypto"
import { FieldCrypto } from "@starform/crypto"
import { type Ids, ServicesApi } from "@starform/domain"
import { IdentityConfig, IdentityServer } from "@starform/identity"
import { Clusters, IdentityClient, Projects, Server, Services } from "@starform/projects"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Context, Effect, Layer, Schema } from "effect"
import { HttpServer } from "effect/http"

/**
 * The real identity service on a free port, on the same database: the projects service asks it for workspaces' plans
 * and records audit entries through it. Its RPC endpoint, for `Server.layer`'s `identityUrl`.
 */
export const identityUrl = Effect.gen(function* () {
  const identity = yield* Layer.build(
    IdentityServer.layer({ host: "127.0.0.1", port: 0 }).pipe(Layer.provide(IdentityConfig.layer())),
  )
  const address = HttpServer.formatAddress(Context.get(identity, HttpServer.HttpServer).address).replace(/\/$/, "")
  return `${address}${IdentityServer.rpcPath}`
})

/** An identity client of the real identity service, started for the test file. */
export const IdentityLive = Layer.unwrap(Effect.map(identityUrl, IdentityClient.layer))

/** The projects service's parts on a migrated database of the test file's own, with a fresh encryption key. */
export const TestLayer = Server.ServicesLive.pipe(
  Layer.provideMerge(IdentityLive),
  Layer.provideMerge(FieldCrypto.layerFromKeys(randomBytes(32))),
  Layer.provideMerge(TestDatabase.layer),
)

/** A region with one active cluster; returns the cluster and its Shuttle token. */
export const cluster = (name = Fixtures.uniqueName("cluster")) =>
  Effect.gen(function* () {
    const clusters = yield* Clusters
    const region = yield* clusters.createRegion(Fixtures.uniqueName("region"), "Test region")
    return yield* clusters.register({
      regionId: region.id,
      name,
      apiUrl: "https://kube.example.test",
      kubeconfig: "apiVersion: v1\nkind: Config\n",
    })
  })

/** A workspace with a project (and its production environment, placed on an active cluster, of `regionId` if given). */
export const project = (options: { readonly deploymentRetention?: number; readonly regionId?: string } = {}) =>
  Effect.gen(function* () {
    const workspace = yield* Fixtures.workspace()
    const projects = yield* Projects
    const created = yield* projects.create(workspace.id as string, {
      name: Fixtures.uniqueName("app") as never,
      ...(options.deploymentRetention === undefined ? {} : { deploymentRetention: options.deploymentRetention }),
      ...(options.regionId === undefined ? {} : { regionId: options.regionId as Ids.RegionId }),
    })
    const [production] = yield* projects.listEnvironments(created.id)
    return { workspaceId: workspace.id as Ids.WorkspaceId, project: created, environment: production! }
  })

export const imageService = (environmentId: string, name: string, overrides: Record<string, unknown> = {}) =>
  Effect.flatMap(Services, (services) =>
    services.create(
      environmentId,
      decodeCreate({
        name,
        type: "web",
        source: { type: "image", imageRef: "ghcr.io/acme/api:1.0.0" },
        port: 8080,
        ...overrides,
      }),
    ),
  )

/** A create request as the API decodes it: defaults filled in. */
export const decodeCreate = Schema.decodeUnknownSync(ServicesApi.CreateServiceRequest)

export const repoService = (environmentId: string, name: string) =>
  Effect.flatMap(Services, (services) =>
    services.create(
      environmentId,
      decodeCreate({ name, type: "worker", source: { type: "repo", repoFullName: "acme/api", branch: "main" } }),
    ),
  )

export const digest = (seed: string) => `sha256:${Buffer.from(seed.padEnd(32, "0").slice(0, 32)).toString("hex")}`
