import { randomBytes } from "node:crypto"
import { readFile } from "node:fs/promises"
import { NodeHttpClient } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { FieldCrypto } from "@starform/crypto"
import {
  ApiErrors,
  DeploymentsApi,
  Identity,
  IdentityAuthApi,
  Ids,
  Names,
  ProjectsApi,
  ProjectsRpc,
  ServicesApi,
  ShuttleRpc,
} from "@starform/domain"
import { ControlPlane } from "@starform/starbase"
import { Mailbox, TestDatabase } from "@starform/testkit"
import { Effect, Layer, Schema } from "effect"
import { RpcClient, RpcSerialization } from "effect/rpc"
import * as SqlClient from "effect/sql/SqlClient"
import createClient from "openapi-fetch"
import { compile } from "./compile.ts"
import { generate } from "./generate.ts"

/**
 * A client generated from `/openapi.json` with `openapi-typescript` + `openapi-fetch` walks signup → project →
 * service → deploy → rollback: the walk (`walk.txt`, what a person would write) typechecks strictly against the
 * generated types with no cast, then runs against Starbase, and every answer decodes with the contract's own schema.
 */

const protocolTo = (url: string, serialization = RpcSerialization.layerJson) =>
  Layer.build(
    RpcClient.layerProtocolHttp({ url }).pipe(Layer.provide(serialization), Layer.provide(NodeHttpClient.layerUndici)),
  )

const start = ControlPlane.start({ host: "127.0.0.1", port: 0, identityPort: 0, logRequests: false }).pipe(
  Effect.provide(FieldCrypto.layerFromKeys(randomBytes(32))),
)

const Walked = Schema.Struct({
  signedUp: IdentityAuthApi.SignedIn,
  workspace: Identity.Workspace,
  project: ProjectsApi.ProjectView,
  environment: ProjectsApi.EnvironmentView,
  service: ServicesApi.ServiceView,
  first: DeploymentsApi.DeploymentView,
  second: DeploymentsApi.DeploymentView,
  rollback: DeploymentsApi.DeploymentView,
  history: Schema.Array(DeploymentsApi.DeploymentView),
  malformed: ApiErrors.ValidationFailed,
})

const walkSource = new URL("./walk.txt", import.meta.url)

layer(TestDatabase.layer, { timeout: 120_000, excludeTestServices: true })("a generated client", (it) => {
  it.effect("typechecks with no cast and walks signup → deploy → rollback, every answer as the contract says", () =>
    Effect.gen(function* () {
      const walk = yield* Effect.promise(() => readFile(walkSource, "utf8"))
      expect(walk).not.toMatch(/\bas\s+(?!const\b)[\w{[(]|\bany\b|@ts-|!\./)
      const types = yield* Effect.promise(generate)
      const compiled = yield* Effect.promise(() => compile({ "StarformApi.ts": types, "walk.ts": walk }))
      expect(compiled.diagnostics).toBe("")

      const running = yield* start
      const operator = yield* RpcClient.make(ProjectsRpc.ProjectsRpcs).pipe(
        Effect.provideContext(
          yield* protocolTo(`${running.projectsUrl}${ProjectsRpc.path}`, ProjectsRpc.serialization),
        ),
      )
      const region = yield* operator.CreateRegion({
        slug: Names.RegionSlug.make("nyc3"),
        name: Names.Label.make("New York 3"),
      })
      const registered = yield* operator.RegisterCluster({
        regionId: region.id,
        name: Names.ClusterName.make("nyc3-1"),
        apiUrl: "https://nyc3-1.k8s.example.test",
        kubeconfig: "apiVersion: v1\nkind: Config\n",
      })
      const shuttle = yield* RpcClient.make(ShuttleRpc.ShuttleRpcs).pipe(
        Effect.provideContext(yield* protocolTo(`${running.projectsUrl}${ShuttleRpc.path}`)),
      )
      const asCluster = RpcClient.withHeaders({ authorization: `Bearer ${registered.token}` })
      const ready = (serviceId: string, deploymentId: string) =>
        Effect.runPromise(
          shuttle
            .ReportObservedState({
              clusterId: registered.cluster.id,
              services: [
                {
                  serviceId: Ids.ServiceId.make(serviceId),
                  deploymentId: Ids.DeploymentId.make(deploymentId),
                  desiredReplicas: 1,
                  updatedReplicas: 1,
                  readyReplicas: 1,
                  availableReplicas: 1,
                  conditions: [
                    { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: null },
                  ],
                  phase: "ready",
                  failureReason: null,
                },
              ],
            })
            .pipe(asCluster),
        ).then((outcome) => expect(outcome).toEqual({ accepted: 1, ignored: 0 }))

      const sql = yield* SqlClient.SqlClient
      const mailedToken = (email: string) =>
        Effect.runPromise(
          Mailbox.lastLink(email, "verify_email").pipe(
            Effect.provideService(SqlClient.SqlClient, sql),
            Effect.map((mailed) => mailed.token),
          ),
        )

      const module = `data:text/javascript;base64,${Buffer.from(compiled.javascript("walk.ts")).toString("base64")}`
      const loaded: unknown = yield* Effect.promise(() => import(/* @vite-ignore */ module))
      const run = yield* Schema.decodeUnknownEffect(
        Schema.Struct({ walk: Schema.declare((u): u is WalkFunction => typeof u === "function") }),
      )(loaded)
      const answers = yield* Effect.promise(() =>
        run.walk(createClient, running.gatewayUrl, { regionId: region.id, ready, mailedToken }),
      )

      const walked = yield* Schema.decodeUnknownEffect(Schema.toCodecJson(Walked))(answers)
      expect(walked.rollback).toMatchObject({ number: 3, trigger: "rollback", rollbackOfDeploymentId: walked.first.id })
      expect(walked.history.map((deployment) => [deployment.number, deployment.status])).toEqual([
        [3, "active"],
        [2, "superseded"],
        [1, "superseded"],
      ])
      expect(walked.malformed).toMatchObject({ code: "validation_failed", field: "projectId", rule: "id" })
    }),
  )
})

type WalkFunction = (
  create: typeof createClient,
  baseUrl: string,
  hooks: {
    readonly regionId: string
    readonly ready: (serviceId: string, deploymentId: string) => Promise<void>
    readonly mailedToken: (email: string) => Promise<string>
  },
) => Promise<unknown>
