import { randomBytes } from "node:crypto"
import { NodeHttpClient } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { FieldCrypto } from "@starform/crypto"
import { type Ids, ShuttleRpc } from "@starform/domain"
import { Deployments, Server } from "@starform/projects"
import { Document } from "@starform/shuttle"
import { TestDatabase } from "@starform/testkit"
import { Effect, Fiber, Layer } from "effect"
import { HttpServer } from "effect/http"
import { RpcClient, RpcSerialization } from "effect/rpc"
import { cluster, identityUrl, imageService, project } from "./support.ts"

/** The projects service on a real port, and Shuttle's RPC client to it. */
const TestServer = Layer.unwrap(
  Effect.map(identityUrl, (url) => Server.layer({ host: "127.0.0.1", port: 0, identityUrl: url })),
).pipe(Layer.provideMerge(FieldCrypto.layerFromKeys(randomBytes(32))), Layer.provideMerge(TestDatabase.layer))

const protocolAt = (path: string) =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const url = `${HttpServer.formatAddress(server.address)}${path}`
    return yield* Layer.build(
      RpcClient.layerProtocolHttp({ url }).pipe(
        Layer.provide(RpcSerialization.layerJson),
        Layer.provide(NodeHttpClient.layerUndici),
      ),
    )
  })

const shuttle = Effect.gen(function* () {
  const reports = yield* RpcClient.make(ShuttleRpc.ShuttleRpcs).pipe(
    Effect.provideContext(yield* protocolAt(ShuttleRpc.path)),
  )
  const documents = yield* RpcClient.make(ShuttleRpc.ShuttleDocumentRpcs).pipe(
    Effect.provideContext(yield* protocolAt(ShuttleRpc.documentPath)),
  )
  return { ...reports, ...documents }
})

/** The desired state in a `ChangedDocument`, opened as Shuttle opens it (hash checked, then decoded). */
const opened = (answer: ShuttleRpc.ChangedDocument) =>
  Effect.fromResult(Document.open(answer, Document.emptyMemo)).pipe(Effect.map((result) => result.state))

const bearer = (token: string) => RpcClient.withHeaders({ authorization: `Bearer ${token}` })

layer(TestServer, { timeout: 60_000, excludeTestServices: true })("Shuttle's RPC", (it) => {
  it.effect("refuses a call without the cluster's token, with another cluster's token, or about another cluster", () =>
    Effect.gen(function* () {
      const mine = yield* cluster()
      const other = yield* cluster()
      const client = yield* shuttle
      const ask = (clusterId: Ids.ClusterId) =>
        client.GetDesiredStateDocument({ clusterId, knownVersion: 0, waitMs: 0 })

      expect((yield* Effect.flip(ask(mine.cluster.id)))._tag).toBe("ClusterUnauthorized")
      expect((yield* Effect.flip(ask(mine.cluster.id).pipe(bearer("sfc_forged"))))._tag).toBe("ClusterUnauthorized")
      const crossed = yield* Effect.flip(ask(mine.cluster.id).pipe(bearer(other.token)))
      expect(crossed).toMatchObject({ _tag: "ClusterUnauthorized" })
      const answer = yield* ask(mine.cluster.id).pipe(bearer(mine.token))
      expect(answer).toMatchObject({ _tag: "ChangedDocument", clusterId: mine.cluster.id, version: 1 })
      if (answer._tag !== "ChangedDocument") return
      expect(yield* opened(answer)).toMatchObject({ clusterId: mine.cluster.id, version: 1 })
    }).pipe(Effect.scoped),
  )

  it.effect(
    "a long-poll returns at once when a newer version exists, waits for the next one otherwise, and reports NotModified when none comes",
    () =>
      Effect.gen(function* () {
        const { cluster: target, token } = yield* cluster()
        const { environment } = yield* project({ regionId: target.regionId })
        const api = yield* imageService(environment.id, "api")
        const client = yield* shuttle
        const first = yield* client
          .GetDesiredStateDocument({ clusterId: target.id, knownVersion: 0 })
          .pipe(bearer(token))
        if (first._tag !== "ChangedDocument") throw new Error("expected the first call to return the document")
        const firstState = yield* opened(first)
        const known = firstState.version

        const quiet = yield* client
          .GetDesiredStateDocument({ clusterId: target.id, knownVersion: known, waitMs: 200 })
          .pipe(bearer(token))
        expect(quiet).toEqual({ _tag: "NotModified", version: known, hash: firstState.hash })

        const waiting = yield* Effect.forkChild(
          client
            .GetDesiredStateDocument({ clusterId: target.id, knownVersion: known, waitMs: 10_000 })
            .pipe(bearer(token)),
        )
        yield* Effect.sleep("100 millis")
        const deployments = yield* Deployments
        const deployment = yield* deployments.create(api.id, {}, "api", null)
        const next = yield* Fiber.join(waiting)
        expect(next._tag).toBe("ChangedDocument")
        if (next._tag !== "ChangedDocument") return
        const nextState = yield* opened(next)
        expect(nextState.version).toBe(known + 1)
        const services = nextState.environments.flatMap((entry) => entry.services)
        expect(services.map((service) => [service.serviceId, service.release.deploymentId])).toEqual([
          [api.id, deployment.id],
        ])
      }).pipe(Effect.scoped),
  )

  it.effect("an observed ready rollout makes the release active; a failed one fails it with Shuttle's reason", () =>
    Effect.gen(function* () {
      const { cluster: target, token } = yield* cluster()
      const other = yield* cluster()
      const { environment } = yield* project({ regionId: target.regionId })
      const api = yield* imageService(environment.id, "api")
      const deployments = yield* Deployments
      const client = yield* shuttle
      const observed = (
        deploymentId: Ids.DeploymentId,
        phase: ShuttleRpc.ObservedPhase,
        failureReason: string | null = null,
      ) => ({
        serviceId: api.id,
        deploymentId,
        desiredReplicas: 1,
        updatedReplicas: 1,
        readyReplicas: phase === "ready" ? 1 : 0,
        availableReplicas: phase === "ready" ? 1 : 0,
        conditions: [],
        phase,
        failureReason,
      })

      const first = yield* deployments.create(api.id, {}, "api", null)
      // another cluster's Shuttle cannot settle this cluster's rollout
      const foreign = yield* client
        .ReportObservedState({ clusterId: other.cluster.id, services: [observed(first.id, "ready")] })
        .pipe(bearer(other.token))
      expect(foreign).toEqual({ accepted: 0, ignored: 1 })
      expect((yield* deployments.get(first.id)).status).toBe("deploying")

      const ack = yield* client
        .ReportObservedState({ clusterId: target.id, services: [observed(first.id, "ready")] })
        .pipe(bearer(token))
      expect(ack).toEqual({ accepted: 1, ignored: 0 })
      expect(yield* deployments.get(first.id)).toMatchObject({
        status: "active",
        observed: { phase: "ready", readyReplicas: 1 },
      })

      const second = yield* deployments.create(api.id, {}, "api", null)
      yield* client
        .ReportObservedState({
          clusterId: target.id,
          services: [observed(second.id, "failed", "ProgressDeadlineExceeded: ReplicaSet has timed out progressing")],
        })
        .pipe(bearer(token))
      expect(yield* deployments.get(second.id)).toMatchObject({
        status: "failed",
        failureReason: "ProgressDeadlineExceeded: ReplicaSet has timed out progressing",
      })
      expect((yield* deployments.get(first.id)).status).toBe("active")
    }).pipe(Effect.scoped),
  )
})
