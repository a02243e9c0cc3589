import { randomBytes } from "node:crypto"
import { NodeHttpClient } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { FieldCrypto } from "@starform/crypto"
import { Ids, Names, ProjectsRpc } from "@starform/domain"
import { Server } from "@starform/projects"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect, Layer, Schema } from "effect"
import { HttpServer } from "effect/http"
import { RpcClient, RpcSerialization } from "effect/rpc"
import { cluster, decodeCreate, identityUrl, imageService, project } from "./support.ts"

/**
 * The projects, clusters and services areas fail with the service's own `Missing`/`Refused`/`Invalid`; the gateway
 * sees the API's `NotFound`/`Conflict`/`ValidationFailed`, worded as before. Asked through the real RPC edge.
 */

const TestServer = Layer.unwrap(
  Effect.map(identityUrl, (url) => Server.layer({ host: "127.0.0.1", port: 0, identityUrl: url })),
).pipe(Layer.provideMerge(FieldCrypto.layerFromKeys(randomBytes(32))), Layer.provideMerge(TestDatabase.layer))

const client = Effect.gen(function* () {
  const server = yield* HttpServer.HttpServer
  const url = `${HttpServer.formatAddress(server.address)}${ProjectsRpc.path}`
  const protocol = yield* Layer.build(
    RpcClient.layerProtocolHttp({ url }).pipe(
      Layer.provide(RpcSerialization.layerJson),
      Layer.provide(NodeHttpClient.layerUndici),
    ),
  )
  return yield* RpcClient.make(ProjectsRpc.ProjectsRpcs).pipe(Effect.provideContext(protocol))
})

const slug = Schema.decodeUnknownSync(Names.RegionSlug)
const label = Schema.decodeUnknownSync(Names.Label)
const clusterName = Schema.decodeUnknownSync(Names.ClusterName)
const regionId = Schema.decodeUnknownSync(Ids.RegionId)
const clusterId = Schema.decodeUnknownSync(Ids.ClusterId)
const projectId = Schema.decodeUnknownSync(Ids.ProjectId)
const serviceId = Schema.decodeUnknownSync(Ids.ServiceId)
const workspaceId = Schema.decodeUnknownSync(Ids.WorkspaceId)
const decodeProject = Schema.decodeUnknownSync(ProjectsRpc.CreateProject.payloadSchema)
const decodeEnvironment = Schema.decodeUnknownSync(ProjectsRpc.CreateEnvironment.payloadSchema)

layer(TestServer, { timeout: 60_000, excludeTestServices: true })(
  "the projects service's errors at its RPC edge",
  (it) => {
    it.effect(
      "clusters: a taken slug or name and retiring a busy cluster conflict; an unknown region or cluster is not found",
      () =>
        Effect.gen(function* () {
          const rpc = yield* client
          const mine = yield* cluster()
          const region = yield* rpc.CreateRegion({ slug: slug(Fixtures.uniqueName("region")), name: label("Edge") })
          expect(yield* Effect.flip(rpc.CreateRegion({ slug: region.slug, name: label("Again") }))).toMatchObject({
            _tag: "Conflict",
            field: "slug",
            message: `A region ${region.slug} already exists.`,
          })
          const registration = { apiUrl: "https://kube.example.test", kubeconfig: "apiVersion: v1\nkind: Config\n" }
          expect(
            yield* Effect.flip(rpc.RegisterCluster({ regionId: region.id, name: mine.cluster.name, ...registration })),
          ).toMatchObject({
            _tag: "Conflict",
            field: "name",
            message: `A cluster named ${mine.cluster.name} already exists.`,
          })
          const nowhere = regionId(Ids.makeId("reg"))
          expect(
            yield* Effect.flip(
              rpc.RegisterCluster({ regionId: nowhere, name: clusterName(Fixtures.uniqueName("c")), ...registration }),
            ),
          ).toMatchObject({ _tag: "NotFound", message: `No region with id ${nowhere} was found.` })
          const unknown = clusterId(Ids.makeId("clu"))
          expect(yield* Effect.flip(rpc.RotateClusterToken({ clusterId: unknown }))).toMatchObject({
            _tag: "NotFound",
            message: `No cluster with id ${unknown} was found.`,
          })
          yield* project({ regionId: mine.cluster.regionId })
          expect(
            yield* Effect.flip(rpc.SetClusterStatus({ clusterId: mine.cluster.id, status: "retired" })),
          ).toMatchObject({ _tag: "Conflict", field: "status" })
        }).pipe(Effect.scoped),
    )

    it.effect("projects: an unknown project is not found, an unknown region is invalid, a taken name conflicts", () =>
      Effect.gen(function* () {
        const rpc = yield* client
        const { project: created, workspaceId: owner } = yield* project()
        const unknown = projectId(Ids.makeId("prj"))
        expect(yield* Effect.flip(rpc.GetProject({ projectId: unknown }))).toMatchObject({
          _tag: "NotFound",
          message: `No project with id ${unknown} was found.`,
        })
        const nowhere = Ids.makeId("reg")
        const refused = yield* Effect.flip(
          rpc.CreateProject(
            decodeProject({ workspaceId: owner, request: { name: Fixtures.uniqueName("app"), regionId: nowhere } }),
          ),
        )
        expect(refused).toMatchObject({ _tag: "ValidationFailed", field: "regionId", rule: "exists" })
        const taken = yield* Effect.flip(
          rpc.CreateEnvironment(decodeEnvironment({ projectId: created.id, request: { name: "production" } })),
        )
        expect(taken).toMatchObject({ _tag: "Conflict", field: "name" })
        const foreign = workspaceId(Ids.makeId("wsp"))
        expect(
          yield* Effect.flip(
            rpc.CreateProject(decodeProject({ workspaceId: foreign, request: { name: Fixtures.uniqueName("app") } })),
          ),
        ).toMatchObject({ _tag: "NotFound", message: `No workspace with id ${foreign} was found.` })
      }).pipe(Effect.scoped),
    )

    it.effect(
      "services: an unknown service is not found, a taken name conflicts, a broken shape stays ValidationFailed",
      () =>
        Effect.gen(function* () {
          const rpc = yield* client
          const { environment } = yield* project()
          const api = yield* imageService(environment.id, "api")
          const unknown = serviceId(Ids.makeId("svc"))
          expect(yield* Effect.flip(rpc.GetService({ serviceId: unknown }))).toMatchObject({
            _tag: "NotFound",
            message: `No service with id ${unknown} was found.`,
          })
          const request = { type: "web", source: { type: "image", imageRef: "ghcr.io/acme/api:1.0.0" }, port: 8080 }
          const taken = yield* Effect.flip(
            rpc.CreateService({ environmentId: environment.id, request: decodeCreate({ name: api.name, ...request }) }),
          )
          expect(taken).toMatchObject({ _tag: "Conflict", field: "name" })
          const reserved = yield* Effect.flip(
            rpc.CreateService({ environmentId: environment.id, request: decodeCreate({ name: "shared", ...request }) }),
          )
          expect(reserved).toMatchObject({ _tag: "ValidationFailed", field: "name", rule: "reserved-name" })
        }).pipe(Effect.scoped),
    )
  },
)
