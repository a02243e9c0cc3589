import { createServer } from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Kube } from "@starform/kube"
import { KubeSim } from "@starform/kube-sim"
import { Tracing } from "@starform/tracing"
import { ConfigProvider, Effect, Layer } from "effect"
import { Cluster } from "../src/Cluster.ts"
import * as KubeCluster from "../src/KubeCluster.ts"

/** Shuttle's spans and an OpenTelemetry collector: sent over OTLP/HTTP when an endpoint is configured, never otherwise. */

interface Received {
  readonly path: string
  readonly contentType: string
  readonly authorization: string
  readonly body: Buffer
}

/** A collector's OTLP/HTTP receiver on a free port of 127.0.0.1, keeping every request. */
const collector = Effect.acquireRelease(
  Effect.promise(
    () =>
      new Promise<{ readonly url: string; readonly received: Array<Received>; readonly close: () => void }>(
        (resolve) => {
          const received: Array<Received> = []
          const server = createServer((request, response) => {
            const chunks: Array<Buffer> = []
            request.on("data", (chunk: Buffer) => chunks.push(chunk))
            request.on("end", () => {
              received.push({
                path: request.url ?? "",
                contentType: request.headers["content-type"] ?? "",
                authorization: request.headers.authorization ?? "",
                body: Buffer.concat(chunks),
              })
              response.writeHead(200, { "content-type": "application/json" })
              response.end("{}")
            })
          })
          server.listen(0, "127.0.0.1", () => {
            const address = server.address()
            const port = typeof address === "object" && address !== null ? address.port : 0
            resolve({ url: `http://127.0.0.1:${port}`, received, close: () => server.close() })
          })
        },
      ),
  ),
  (running) => Effect.sync(() => running.close()),
)

const simulator = Effect.acquireRelease(
  Effect.promise(() => KubeSim.start({ clock: "manual" })),
  (sim) => Effect.promise(() => sim.stop()),
)

/** Shuttle reading a Namespace through its `Cluster`, under tracing configured by `env`; the line it announced. */
const readUnderTracing = (env: Record<string, string>) =>
  Effect.gen(function* () {
    const sim = yield* simulator
    const announced: Array<string> = []
    yield* Effect.gen(function* () {
      const cluster = yield* Cluster
      const found = yield* cluster.get({ apiVersion: "v1", kind: "Namespace", namespace: "", name: "default" })
      expect(found?.metadata.name).toBe("default")
    }).pipe(
      Effect.provide(KubeCluster.layer().pipe(Layer.provide(Kube.layerFromOptions(sim.kubeConfig)))),
      // Closing the tracing layer flushes what it holds, as a stopping Shuttle does.
      Effect.provide(Tracing.layer("shuttle", (line) => Effect.sync(() => announced.push(line)))),
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))),
    )
    return announced
  })

interface OtlpJson {
  readonly resourceSpans: ReadonlyArray<{
    readonly resource: { readonly attributes: ReadonlyArray<{ key: string; value: { stringValue?: string } }> }
    readonly scopeSpans: ReadonlyArray<{ readonly spans: ReadonlyArray<{ readonly name: string }> }>
  }>
}

describe("tracing", () => {
  it.live("with OTEL_EXPORTER_OTLP_ENDPOINT set, Shuttle's spans reach the collector under its service name", () =>
    Effect.gen(function* () {
      const otlp = yield* collector
      const announced = yield* readUnderTracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20collector-token",
      })
      expect(announced).toEqual([`tracing is on: spans of shuttle go to ${otlp.url}/v1/traces (OTLP/HTTP, JSON)`])
      expect(otlp.received.length).toBeGreaterThan(0)
      for (const request of otlp.received) {
        expect(request.path).toBe("/v1/traces")
        expect(request.contentType).toContain("application/json")
        expect(request.authorization).toBe("Bearer collector-token")
      }
      const batches = otlp.received.map((request): OtlpJson => JSON.parse(request.body.toString("utf8")))
      const resources = batches.flatMap((batch) => batch.resourceSpans)
      const serviceNames = resources.map(
        (entry) => entry.resource.attributes.find((attribute) => attribute.key === "service.name")?.value.stringValue,
      )
      expect(new Set(serviceNames)).toEqual(new Set(["shuttle"]))
      const spanNames = resources
        .flatMap((entry) => entry.scopeSpans.flatMap((scope) => scope.spans))
        .map((s) => s.name)
      expect(spanNames).toEqual(expect.arrayContaining(["Kube.get", "Kube.send"]))
    }).pipe(Effect.scoped),
  )

  it.live("OTEL_SERVICE_NAME renames the service; the default encoding is protobuf", () =>
    Effect.gen(function* () {
      const otlp = yield* collector
      const announced = yield* readUnderTracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: `${otlp.url}/collector/`,
        OTEL_SERVICE_NAME: "shuttle-nyc3",
      })
      expect(announced).toEqual([
        `tracing is on: spans of shuttle-nyc3 go to ${otlp.url}/collector/v1/traces (OTLP/HTTP, protobuf)`,
      ])
      expect(otlp.received.length).toBeGreaterThan(0)
      const request = otlp.received[0]!
      expect(request.path).toBe("/collector/v1/traces")
      expect(request.contentType).toBe("application/x-protobuf")
      // Protobuf carries strings as their bytes.
      expect(request.body.includes("shuttle-nyc3")).toBe(true)
      expect(request.body.includes("Kube.get")).toBe(true)
    }).pipe(Effect.scoped),
  )

  it.live("with no endpoint set, tracing says it is off and nothing is exported", () =>
    Effect.gen(function* () {
      const otlp = yield* collector
      const announced = yield* readUnderTracing({ OTEL_SERVICE_NAME: "shuttle", OTEL_EXPORTER_OTLP_HEADERS: "a=b" })
      expect(announced).toEqual(["tracing is off (set OTEL_EXPORTER_OTLP_ENDPOINT to export spans over OTLP/HTTP)"])
      expect(otlp.received).toEqual([])
    }).pipe(Effect.scoped),
  )
})
