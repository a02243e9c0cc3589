import { Names, ProjectsRpc } from "@starform/domain"
import { Kube } from "@starform/kube"
import { KubeSim, Seeds } from "@starform/kube-sim"
import { ServiceClient } from "@starform/rpc"
import { KubeCluster, Settings, Shuttle, Starbase } from "@starform/shuttle"
import { Effect, Layer, Schema } from "effect"

/**
 * Under `npm start` with `KUBECONFIG` unset, the cluster is simulated: one kube-sim (real time, Envoy Gateway
 * installed) that builds run on and workloads are deployed to, registered with the projects service as cluster
 * `local` in region `local`, with Shuttle reconciling it from this process exactly as it would from inside a
 * cluster — over `ShuttleRpc` with the cluster's token, and through the Kubernetes API.
 */

export const gatewayName = "starform"

/** The simulated cluster, for the lifetime of the layer. */
export const simulator = KubeSim.layer({
  clock: "realtime",
  seed: Seeds.envoyGateway({ name: gatewayName }),
})

const slug = Schema.decodeSync(Names.RegionSlug)("local")
const label = Schema.decodeSync(Names.Label)("This machine")
const clusterName = Schema.decodeSync(Names.ClusterName)("local")

/**
 * Registers the simulated cluster (or, on later starts, takes a fresh token for it: the old one was for the
 * previous process's Shuttle) and runs Shuttle against it. Returns the cluster's id.
 */
export const startShuttle = (projectsUrl: string) =>
  Effect.gen(function* () {
    const sim = yield* KubeSim
    const projects = yield* ServiceClient.make(ProjectsRpc.ProjectsRpcs, {
      url: projectsUrl,
      path: ProjectsRpc.path,
      serialization: ProjectsRpc.serialization,
    })
    const regions = yield* projects.ListRegions()
    const region = regions.find((r) => r.slug === slug) ?? (yield* projects.CreateRegion({ slug, name: label }))
    const clusters = yield* projects.ListClusters()
    const existing = clusters.find((c) => c.regionId === region.id && c.name === clusterName)
    const { clusterId, token } =
      existing === undefined
        ? yield* projects
            .RegisterCluster({
              regionId: region.id,
              name: clusterName,
              apiUrl: sim.url,
              kubeconfig: sim.kubeConfigYaml,
            })
            .pipe(Effect.map((registered) => ({ clusterId: registered.cluster.id, token: registered.token })))
        : yield* projects
            .RotateClusterToken({ clusterId: existing.id })
            .pipe(Effect.map((rotated) => ({ clusterId: existing.id, token: rotated.token })))
    yield* Layer.build(
      Shuttle.layer({
        ...Settings.defaults,
        render: { ...Settings.defaults.render, gateway: { namespace: "envoy-gateway-system", name: gatewayName } },
      }).pipe(
        Layer.provide(KubeCluster.layer()),
        Layer.provide(Kube.layerFromOptions(sim.kubeConfig)),
        Layer.provide(Starbase.layer({ url: projectsUrl, clusterId, token })),
      ),
    )
    return clusterId
  })
