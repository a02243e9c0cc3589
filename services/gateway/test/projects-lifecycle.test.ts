// biome-ignore-all lint/suspicious/noTemplateCurlyInString: variable references look like template placeholders
import { randomBytes } from "node:crypto"
import { NodeHttpClient } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { FieldCrypto } from "@starform/crypto"
import { type Ids, ProjectsRpc, ShuttleRpc } from "@starform/domain"
import { Document } from "@starform/shuttle"
import { ControlPlane } from "@starform/starbase"
import { TestDatabase } from "@starform/testkit"
import { Effect, Layer } from "effect"
import { RpcClient, RpcSerialization } from "effect/rpc"
import * as Harness from "./identityHarness.ts"

/**
 * The whole path as a user and a cluster see it: Starbase on free ports, the user through the gateway's REST API,
 * an operator registering a cluster over the projects service's RPC, and Shuttle pulling the desired state and
 * reporting rollouts with the cluster's token.
 */

/** An RPC transport to `url`, alive for the test's scope. */
const protocolTo = (url: string, serialization = RpcSerialization.layerJson) =>
  Layer.build(
    RpcClient.layerProtocolHttp({ url }).pipe(Layer.provide(serialization), Layer.provide(NodeHttpClient.layerUndici)),
  )

const start = ControlPlane.start({ host: "127.0.0.1", port: 0, identityPort: 0, logRequests: false }).pipe(
  Effect.provide(FieldCrypto.layerFromKeys(randomBytes(32))),
)

layer(TestDatabase.layer, { timeout: 60_000, excludeTestServices: true })("projects over the gateway", (it) => {
  it.effect("create project → environment → service → variables → deploy an image → ready → active → rollback", () =>
    Effect.gen(function* () {
      const running = yield* start
      const api = Harness.client(running.gatewayUrl)
      const ada = yield* Harness.signup(api)
      const workspaceId = yield* Harness.workspace(api, ada.token, "Analytical Engines")

      // an operator registers the cluster environments are placed on; its Shuttle gets a token
      const operator = yield* RpcClient.make(ProjectsRpc.ProjectsRpcs).pipe(
        Effect.provideContext(
          yield* protocolTo(`${running.projectsUrl}${ProjectsRpc.path}`, ProjectsRpc.serialization),
        ),
      )
      const region = yield* operator.CreateRegion({ slug: "nyc3" as never, name: "New York 3" as never })
      const registered = yield* operator.RegisterCluster({
        regionId: region.id,
        name: "nyc3-1" as never,
        apiUrl: "https://nyc3-1.k8s.example.test",
        kubeconfig: "apiVersion: v1\nkind: Config\n",
      })
      const shuttle = yield* RpcClient.make(ShuttleRpc.ShuttleRpcs).pipe(
        Effect.provideContext(yield* protocolTo(`${running.projectsUrl}${ShuttleRpc.path}`)),
      )
      const documents = yield* RpcClient.make(ShuttleRpc.ShuttleDocumentRpcs).pipe(
        Effect.provideContext(yield* protocolTo(`${running.projectsUrl}${ShuttleRpc.documentPath}`)),
      )
      const asCluster = RpcClient.withHeaders({ authorization: `Bearer ${registered.token}` })
      const clusterId = registered.cluster.id

      const regions = yield* api.get("/v1/regions", ada.token)
      expect(regions.body).toEqual([
        {
          id: region.id,
          slug: "nyc3",
          name: "New York 3",
          provider: "digitalocean",
          status: "active",
          available: true,
        },
      ])

      const project = yield* api.post(
        `/v1/workspaces/${workspaceId}/projects`,
        { name: "engine", regionId: region.id },
        ada.token,
      )
      expect(project.status).toBe(201)
      expect((yield* api.get(`/v1/workspaces/${workspaceId}/projects`, ada.token)).body).toMatchObject([
        { id: project.body.id, name: "engine", deploymentRetention: 20 },
      ])
      const environment = yield* api.post(
        `/v1/projects/${project.body.id}/environments`,
        { name: "staging", gitBranch: "develop" },
        ada.token,
      )
      expect(environment.status).toBe(201)
      expect(environment.body).toMatchObject({ name: "staging", gitBranch: "develop", clusterId, isEphemeral: false })

      const badService = yield* api.post(
        `/v1/environments/${environment.body.id}/services`,
        { name: "API", type: "web", source: { type: "image", imageRef: "ghcr.io/acme/api:1" }, port: 8080 },
        ada.token,
      )
      expect(badService.status).toBe(400)
      expect(badService.body).toMatchObject({ code: "validation_failed", field: "name", rule: "rfc1123-label" })
      const noPort = yield* api.post(
        `/v1/environments/${environment.body.id}/services`,
        { name: "api", type: "web", source: { type: "image", imageRef: "ghcr.io/acme/api:1" } },
        ada.token,
      )
      expect(noPort.status).toBe(400)
      expect(noPort.body).toMatchObject({ code: "validation_failed", field: "port", rule: "service-shape" })

      const service = yield* api.post(
        `/v1/environments/${environment.body.id}/services`,
        {
          name: "api",
          type: "web",
          source: { type: "image", imageRef: "ghcr.io/acme/api:1.0.0" },
          port: 8080,
          isPublic: true,
          config: {
            probes: { readiness: { type: "http", path: "/healthz" } },
            scaling: { mode: "fixed", replicas: 2 },
          },
        },
        ada.token,
      )
      expect(service.status).toBe(201)
      const serviceId = service.body.id as Ids.ServiceId

      const variables = yield* api.patch(
        `/v1/services/${serviceId}/variables`,
        { variables: { DATABASE_URL: "postgres://db.internal/app", GREETING: "connects to ${{ api.DATABASE_URL }}" } },
        ada.token,
      )
      expect(variables.status).toBe(200)
      expect(JSON.stringify(variables.body)).not.toContain("postgres://")
      const revealed = yield* api.post(`/v1/services/${serviceId}/variables/DATABASE_URL/reveal`, undefined, ada.token)
      expect(revealed.body).toEqual({
        key: "DATABASE_URL",
        value: "postgres://db.internal/app",
        references: [],
        resolvedValue: "postgres://db.internal/app",
        unresolvedReason: null,
      })

      // first release
      const first = yield* api.post(
        `/v1/services/${serviceId}/deployments`,
        { imageRef: "ghcr.io/acme/api:1.0.0" },
        ada.token,
      )
      expect(first.status).toBe(201)
      expect(first.body).toMatchObject({ number: 1, status: "deploying", trigger: "api", createdBy: ada.userId })

      const pulled = yield* documents.GetDesiredStateDocument({ clusterId, knownVersion: 0, waitMs: 0 }).pipe(asCluster)
      if (pulled._tag !== "ChangedDocument") throw new Error("Shuttle expected the document")
      // Opened as Shuttle opens it: the bytes checked against their hash, then decoded.
      const opened = yield* Effect.fromResult(Document.open(pulled, Document.emptyMemo))
      const running1 = opened.state.environments
        .flatMap((entry) => entry.services)
        .find((s) => s.serviceId === serviceId)
      expect(running1).toMatchObject({
        environment: "staging",
        workspaceId,
        release: { deploymentId: first.body.id, image: "ghcr.io/acme/api:1.0.0" },
        variables: {
          DATABASE_URL: "postgres://db.internal/app",
          GREETING: "connects to postgres://db.internal/app",
          PORT: "8080",
        },
        probes: { readiness: { type: "http", path: "/healthz", port: 8080 } },
        scaling: { mode: "fixed", replicas: 2 },
        isPublic: true,
      })

      const ready = (deploymentId: Ids.DeploymentId) =>
        shuttle
          .ReportObservedState({
            clusterId,
            services: [
              {
                serviceId,
                deploymentId,
                desiredReplicas: 2,
                updatedReplicas: 2,
                readyReplicas: 2,
                availableReplicas: 2,
                conditions: [{ type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: null }],
                phase: "ready",
                failureReason: null,
              },
            ],
          })
          .pipe(asCluster)
      expect(yield* ready(first.body.id)).toEqual({ accepted: 1, ignored: 0 })
      const active = yield* api.get(`/v1/deployments/${first.body.id}`, ada.token)
      expect(active.body).toMatchObject({ status: "active", observed: { phase: "ready", readyReplicas: 2 } })

      // second release, then back to the first without a build
      const second = yield* api.post(
        `/v1/services/${serviceId}/deployments`,
        { imageRef: "ghcr.io/acme/api:2.0.0" },
        ada.token,
      )
      yield* ready(second.body.id)
      expect((yield* api.get(`/v1/deployments/${first.body.id}`, ada.token)).body.status).toBe("superseded")

      const rollback = yield* api.post(`/v1/deployments/${first.body.id}/rollback`, undefined, ada.token)
      expect(rollback.status).toBe(201)
      expect(rollback.body).toMatchObject({
        number: 3,
        trigger: "rollback",
        status: "deploying",
        imageRef: "ghcr.io/acme/api:1.0.0",
        rollbackOfDeploymentId: first.body.id,
      })
      yield* ready(rollback.body.id)
      const history = yield* api.get(`/v1/services/${serviceId}/deployments`, ada.token)
      expect(
        history.body.map((deployment: { number: number; status: string }) => [deployment.number, deployment.status]),
      ).toEqual([
        [3, "active"],
        [2, "superseded"],
        [1, "superseded"],
      ])
      expect((yield* api.get(`/v1/services/${serviceId}`, ada.token)).body.activeDeploymentId).toBe(rollback.body.id)

      // someone in another workspace sees none of it: every id answers as missing
      const eve = yield* Harness.signup(api, "Eve")
      yield* Harness.workspace(api, eve.token, "Elsewhere")
      for (const path of [
        `/v1/services/${serviceId}`,
        `/v1/projects/${project.body.id}`,
        `/v1/deployments/${first.body.id}`,
        `/v1/workspaces/${workspaceId}/projects`,
      ]) {
        const reply = yield* api.get(path, eve.token)
        expect(reply.status, path).toBe(404)
        expect(reply.body.code).toBe("not_found")
      }
      const foreignReveal = yield* api.post(
        `/v1/services/${serviceId}/variables/DATABASE_URL/reveal`,
        undefined,
        eve.token,
      )
      expect(foreignReveal.status).toBe(404)
      expect(JSON.stringify(foreignReveal.body)).not.toContain("postgres://")
      const foreignDeploy = yield* api.post(`/v1/deployments/${first.body.id}/rollback`, undefined, eve.token)
      expect(foreignDeploy.status).toBe(404)
    }).pipe(Effect.scoped),
  )
})
