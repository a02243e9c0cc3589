import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Kube, type KubeObject } from "@starform/kube"
import { KubeSim, parseManifests, Seeds, type Simulator } from "@starform/kube-sim"
import { Effect, Layer } from "effect"
import * as KubeCluster from "../../src/KubeCluster.ts"
import * as Metrics from "../../src/Metrics.ts"
import * as Shuttle from "../../src/Shuttle.ts"
import * as Starbase from "../../src/Starbase.ts"
import { settings } from "./Harness.ts"
import * as Projects from "./Projects.ts"

/**
 * Shuttle as `k8s/shuttle` deploys it: the repository's manifests applied to kube-sim by the cluster admin, and
 * Shuttle talking to the API as its ServiceAccount, with a token from the TokenRequest API (what the kubelet
 * projects into its pod), so the API server holds it to exactly what `k8s/shuttle/rbac.yaml` grants.
 */

const k8sDir = join(import.meta.dirname, "..", "..", "..", "k8s")

/** Namespaces before what lives in them, as `kubectl apply -f dir/` would need them. */
const order = (obj: KubeObject) => (obj.kind === "Namespace" ? 0 : obj.kind === "Deployment" ? 2 : 1)

/** Every object of the YAML files in `k8s/<dir>`. */
export const manifests = (dir: string): ReadonlyArray<KubeObject> =>
  readdirSync(join(k8sDir, dir))
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .flatMap((file) => parseManifests(readFileSync(join(k8sDir, dir, file), "utf8")))
    // every object in the repository's YAML is named
    .flatMap((obj) =>
      obj.metadata.name === undefined ? [] : [{ ...obj, metadata: { ...obj.metadata, name: obj.metadata.name } }],
    )
    .sort((a, b) => order(a) - order(b))

/** A kubeconfig for the same cluster whose user is `token`. */
export const kubeConfigWith = (sim: Simulator, token: string) => ({
  ...sim.kubeConfig,
  users: [{ name: "kube-sim", token }],
})

/** `POST .../serviceaccounts/<name>/token` as the admin: a token for the ServiceAccount, valid `seconds`. */
export const requestToken = (sim: Simulator, namespace: string, name: string, seconds: number) =>
  Effect.promise(async () => {
    const response = await fetch(`${sim.url}/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
      method: "POST",
      headers: { Authorization: `Bearer ${sim.kubeConfig.users[0]!.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: seconds },
      }),
    })
    const body = (await response.json()) as { status?: { token?: string } }
    if (response.status !== 201 || !body.status?.token)
      throw new Error(`TokenRequest for ${namespace}/${name} answered ${response.status}: ${JSON.stringify(body)}`)
    return body.status.token
  })

export interface Deployed {
  readonly sim: Simulator
  readonly projects: Projects.Projects
  /** Shuttle's ServiceAccount token (`system:serviceaccount:starform-system:shuttle`). */
  readonly token: string
  /** The API as Shuttle's ServiceAccount. */
  readonly asShuttle: Layer.Layer<Kube>
}

/**
 * kube-sim with `k8s/<dirs>` applied, and Shuttle running under its ServiceAccount's token. The token lasts a
 * simulated day: the cluster's clock runs 100× and a token expires by it.
 */
export const make = Effect.fn("Deployed.make")(function* (dirs: ReadonlyArray<string>) {
  const sim = yield* Effect.acquireRelease(
    Effect.promise(() => KubeSim.start({ clock: "fast", seed: Seeds.envoyGateway() })),
    (running) => Effect.promise(() => running.stop()),
  )
  const admin = yield* Kube.pipe(Effect.provide(Kube.layerFromOptions(sim.kubeConfig)))
  for (const obj of dirs.flatMap(manifests)) yield* Effect.orDie(admin.create(obj))
  const token = yield* requestToken(sim, "starform-system", "shuttle", 86_400)
  const asShuttle = Kube.layerFromOptions(kubeConfigWith(sim, token))
  const projects = yield* Projects.make()
  yield* Layer.build(
    Shuttle.layer({ ...settings, namespace: "starform-system" }).pipe(
      Layer.provideMerge(KubeCluster.layer()),
      Layer.provide(asShuttle),
      Layer.provideMerge(Metrics.layerIsolated),
      Layer.provide(Starbase.layer({ url: projects.url, clusterId: projects.clusterId, token: projects.token })),
    ),
  )
  const deployed: Deployed = { sim, projects, token, asShuttle }
  return deployed
})
