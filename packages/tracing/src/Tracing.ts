import { Config, Effect, Layer, Option, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { OtlpExporter, OtlpSerialization, OtlpTracer } from "effect/observability"

/**
 * Where the spans of a Starform program go (every `Effect.fn` is one). With `OTEL_EXPORTER_OTLP_ENDPOINT` set
 * (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, used as it is) they are exported over OTLP/HTTP to
 * `<endpoint>/v1/traces` by Effect's own exporter, as the service `OTEL_SERVICE_NAME` (default: the program's
 * name), with `OTEL_EXPORTER_OTLP_HEADERS` (`key=value,…`) on every request and in the encoding
 * `OTEL_EXPORTER_OTLP_PROTOCOL` names (`http/protobuf`, the default, or `http/json`). Unset, nothing is exported.
 * Starbase and Shuttle each use it from their `main.ts`; any other program can.
 */

export interface Settings {
  /** Where spans are posted; null: tracing is off. */
  readonly tracesUrl: string | null
  readonly serviceName: string
  readonly headers: Readonly<Record<string, string>>
  readonly protocol: "http/protobuf" | "http/json"
}

const headers = Config.Record(Schema.String, Schema.StringFromUriComponent, "OTEL_EXPORTER_OTLP_HEADERS")

/** The settings from the `OTEL_*` environment variables; `serviceName` names the program when none is set. */
export const settings = (serviceName: string) =>
  Config.all({
    traces: Config.option(Config.URL("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")),
    base: Config.option(Config.URL("OTEL_EXPORTER_OTLP_ENDPOINT")),
    serviceName: Config.String("OTEL_SERVICE_NAME").pipe(Config.withDefault(serviceName)),
    headers: headers.pipe(Config.withDefault({})),
    protocol: Config.Literals(["http/protobuf", "http/json"], "OTEL_EXPORTER_OTLP_PROTOCOL").pipe(
      Config.withDefault("http/protobuf" as const),
    ),
  }).pipe(
    Config.map(
      (read): Settings => ({
        tracesUrl: Option.match(read.traces, {
          onSome: (url) => url.toString(),
          onNone: () => Option.getOrNull(Option.map(read.base, tracesPathUnder)),
        }),
        serviceName: read.serviceName,
        headers: read.headers,
        protocol: read.protocol,
      }),
    ),
  )

/** `<base>/v1/traces`, as the OTLP specification places the traces path under a base endpoint. */
const tracesPathUnder = (base: URL): string => {
  const url = new URL(base)
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/traces`
  return url.toString()
}

/** The one line a program prints at start about its tracing. */
export const describe = (settings: Settings): string =>
  settings.tracesUrl === null
    ? "tracing is off (set OTEL_EXPORTER_OTLP_ENDPOINT to export spans over OTLP/HTTP)"
    : `tracing is on: spans of ${settings.serviceName} go to ${settings.tracesUrl} (OTLP/HTTP, ${settings.protocol === "http/json" ? "JSON" : "protobuf"})`

/** The OTLP tracer for `settings` (with its flusher), or only a flusher with nothing to flush when tracing is off. */
export const layerFrom = (settings: Settings): Layer.Layer<OtlpExporter.Flusher> =>
  settings.tracesUrl === null
    ? OtlpExporter.layerFlusher
    : OtlpTracer.layer({
        url: settings.tracesUrl,
        resource: { serviceName: settings.serviceName },
        headers: settings.headers,
      }).pipe(
        Layer.provide(
          settings.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf,
        ),
        Layer.provide(FetchHttpClient.layer),
      )

/**
 * Tracing as the environment asks, announced once through `announce` (a program's own way of printing its start-up
 * lines). `serviceName` is the program's name (`starbase`, `shuttle`), used when `OTEL_SERVICE_NAME` is unset.
 */
export const layer = (
  serviceName: string,
  announce: (line: string) => Effect.Effect<void> = Effect.logInfo,
): Layer.Layer<OtlpExporter.Flusher, Config.ConfigError> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const read = yield* settings(serviceName)
      yield* announce(describe(read))
      return layerFrom(read)
    }),
  )
