import { NodeRuntime } from "@effect/platform-node"
import { Ids } from "@starform/domain"
import { Kube } from "@starform/kube"
import { Options } from "@starform/manifests"
import { Tracing } from "@starform/tracing"
import { Config, Effect, Layer, Redacted } from "effect"
import * as Health from "./Health.ts"
import * as KubeCluster from "./KubeCluster.ts"
import * as Settings from "./Settings.ts"
import * as Shuttle from "./Shuttle.ts"
import * as Starbase from "./Starbase.ts"

/**
 * Shuttle in a workload cluster (`k8s/shuttle/deployment.yaml`): the Kubernetes API from the pod's service account
 * (or `KUBECONFIG`), the projects service at `STARBASE_URL` with the cluster's `SHUTTLE_CLUSTER_ID` and
 * `SHUTTLE_TOKEN`, its health on `SHUTTLE_HEALTH_PORT`; its spans to `OTEL_EXPORTER_OTLP_ENDPOINT` when set.
 */
const ShuttleConfig = Config.all({
  starbaseUrl: Config.String("STARBASE_URL"),
  clusterId: Config.schema(Ids.ClusterId, "SHUTTLE_CLUSTER_ID"),
  token: Config.Redacted("SHUTTLE_TOKEN"),
  namespace: Config.String("SHUTTLE_NAMESPACE").pipe(Config.withDefault(Settings.defaults.namespace)),
  healthHost: Config.String("SHUTTLE_HEALTH_HOST").pipe(Config.withDefault("0.0.0.0")),
  healthPort: Config.Int("SHUTTLE_HEALTH_PORT").pipe(Config.withDefault(8081)),
  gatewayNamespace: Config.String("SHUTTLE_GATEWAY_NAMESPACE").pipe(
    Config.withDefault(Options.defaults.gateway.namespace),
  ),
  gatewayName: Config.String("SHUTTLE_GATEWAY_NAME").pipe(Config.withDefault(Options.defaults.gateway.name)),
})

const program = Effect.gen(function* () {
  const config = yield* ShuttleConfig
  const settings: Settings.Settings = {
    ...Settings.defaults,
    namespace: config.namespace,
    render: { ...Options.defaults, gateway: { namespace: config.gatewayNamespace, name: config.gatewayName } },
  }
  yield* Effect.logInfo(`shuttle: cluster ${config.clusterId}, desired state from ${config.starbaseUrl}`)
  return yield* Layer.launch(
    Health.layer({ host: config.healthHost, port: config.healthPort }).pipe(
      Layer.provideMerge(Shuttle.layer(settings)),
      Layer.provide(KubeCluster.layer()),
      Layer.provide(Kube.layerFromDefault()),
      Layer.provide(
        Starbase.layer({
          url: config.starbaseUrl,
          clusterId: config.clusterId,
          token: Redacted.value(config.token),
        }),
      ),
    ),
  )
})

NodeRuntime.runMain(
  program.pipe(Effect.provide(Tracing.layer("shuttle", (line) => Effect.logInfo(`shuttle: ${line}`)))),
)
