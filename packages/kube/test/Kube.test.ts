import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it, layer } from "@effect/vitest"
import * as k8s from "@kubernetes/client-node"
import { Kube, KubeErrors, type Unstructured } from "@starform/kube"
import { KubeSim } from "@starform/kube-sim"
import { Effect, Fiber, Layer, Stream } from "effect"

const Sim = KubeSim.layer({ clock: "manual" })
const Env = Layer.provideMerge(
  Layer.unwrap(
    Effect.gen(function* () {
      const sim = yield* KubeSim
      return Kube.layerFromOptions(sim.kubeConfig)
    }),
  ),
  Sim,
)

const kubeFrom = (layer: Layer.Layer<Kube>) =>
  Effect.provide(
    Effect.gen(function* () {
      return yield* Kube
    }),
    layer,
  )

/** A kubeconfig like `options` whose cluster is reached at `url`. */
const viaProxy = (options: KubeSim["Service"]["kubeConfig"], url: string) => ({
  ...options,
  clusters: options.clusters.map((cluster) => ({ ...cluster, server: url })),
})

/** An HTTP proxy on 127.0.0.1 in front of `target` that keeps every request body it forwards, for this scope. */
const recordingProxy = (target: string) =>
  Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<{ readonly url: string; readonly take: () => ReadonlyArray<string>; readonly server: Server }>(
          (resolve) => {
            let bodies: Array<string> = []
            const server = createServer(async (req, res) => {
              const chunks: Array<Buffer> = []
              for await (const chunk of req) chunks.push(chunk as Buffer)
              const body = Buffer.concat(chunks)
              bodies.push(body.toString("utf8"))
              const headers = new Headers()
              for (const [name, value] of Object.entries(req.headers)) {
                if (typeof value === "string" && name !== "host" && name !== "content-length") headers.set(name, value)
              }
              const answer = await fetch(`${target}${req.url ?? "/"}`, {
                method: req.method ?? "GET",
                headers,
                ...(body.length > 0 ? { body } : {}),
              })
              res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" })
              res.end(Buffer.from(await answer.arrayBuffer()))
            })
            server.listen(0, "127.0.0.1", () => {
              const { port } = server.address() as AddressInfo
              const take = () => {
                const seen = bodies
                bodies = []
                return seen
              }
              resolve({ url: `http://127.0.0.1:${port}`, take, server })
            })
          },
        ),
    ),
    ({ server }) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve()))),
  )

const namespace = (name: string): Unstructured => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })

const deployment = (ns: string, name: string, extra: Record<string, unknown> = {}): Unstructured => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: ns, labels: { app: name } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "app", image: "registry.example/app:v1", ...extra }] },
    },
  },
})

const manager = { fieldManager: "starform-shuttle" }

layer(Env)("Kube over the simulated cluster", (it) => {
  it.effect(
    "apply sends fields the client's generated models do not know, where KubernetesObjectApi.patch drops them",
    () =>
      Effect.gen(function* () {
        const kube = yield* Kube
        const sim = yield* KubeSim
        yield* kube.apply(namespace("models"), manager)
        const withFuture = deployment("models", "web", { futureProbeMode: "strict" })
        // What each client put on the wire, seen by a proxy in front of the API server: like a real API server,
        // kube-sim drops a field its schema does not know (with a Warning), so the stored object cannot tell.
        const proxy = yield* recordingProxy(sim.url)

        // The client's own typed path serializes through V1Deployment and loses the unknown container field.
        const kc = new k8s.KubeConfig()
        kc.loadFromOptions(viaProxy(sim.kubeConfig, proxy.url))
        const objects = k8s.KubernetesObjectApi.makeApiClient(kc)
        // The client's own object type: the same Deployment, its metadata in the client's model.
        const forClient: k8s.KubernetesObject = {
          ...structuredClone(withFuture),
          metadata: { name: "web", namespace: "models", labels: { app: "web" } },
        }
        const viaClient = yield* Effect.promise(() =>
          objects.patch(forClient, undefined, undefined, "typed-client", true, k8s.PatchStrategy.ServerSideApply),
        )
        const clientContainer: object = (viaClient as k8s.V1Deployment).spec?.template.spec?.containers[0] ?? {}
        expect("futureProbeMode" in clientContainer ? clientContainer.futureProbeMode : undefined).toBeUndefined()
        const storedAfterClient = sim.get("apps/v1", "Deployment", "models", "web")!
        expect(JSON.stringify(storedAfterClient.spec)).not.toContain("futureProbeMode")
        expect(proxy.take().some((body) => body.includes("futureProbeMode"))).toBe(false)

        const ours = yield* kubeFrom(Kube.layerFromOptions(viaProxy(sim.kubeConfig, proxy.url)))
        yield* ours.apply(withFuture, { ...manager, force: true })
        expect(proxy.take().some((body) => body.includes('"futureProbeMode":"strict"'))).toBe(true)
      }),
  )

  it.effect("a second identical apply writes nothing: same resourceVersion, same generation", () =>
    Effect.gen(function* () {
      const kube = yield* Kube
      const sim = yield* KubeSim
      yield* kube.apply(namespace("noop"), manager)
      yield* kube.apply(deployment("noop", "api"), manager)
      // The Deployment controller annotates the revision and writes status: let it finish first.
      sim.settle()
      const before = yield* kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "noop", name: "api" })
      expect(before.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1")
      const writes = sim.resourceVersion
      const second = yield* kube.apply(deployment("noop", "api"), manager)
      expect(second.metadata.resourceVersion).toBe(before.metadata.resourceVersion)
      expect(second.metadata.generation).toBe(1)
      expect(sim.resourceVersion).toBe(writes)
    }),
  )

  it.effect("errors arrive as tagged errors carrying the server's reason and causes", () =>
    Effect.gen(function* () {
      const kube = yield* Kube
      yield* kube.apply(namespace("errors"), manager)

      const missing = yield* Effect.flip(
        kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "errors", name: "nope" }),
      )
      expect(missing).toBeInstanceOf(KubeErrors.NotFound)
      expect(missing.message).toContain('deployments.apps "nope" not found')

      const created = yield* kube.create(deployment("errors", "web"))
      const again = yield* Effect.flip(kube.create(deployment("errors", "web")))
      expect(again._tag).toBe("KubeConflict")
      expect((again as KubeErrors.Conflict).reason).toBe("AlreadyExists")

      const stale = yield* Effect.flip(
        kube.replace({ ...created, metadata: { ...created.metadata, resourceVersion: "1" } }),
      )
      expect(stale._tag).toBe("KubeConflict")
      expect((stale as KubeErrors.Conflict).reason).toBe("Conflict")

      const invalid = yield* Effect.flip(kube.apply(deployment("errors", "Bad_Name"), manager))
      expect(invalid).toBeInstanceOf(KubeErrors.Invalid)
      expect((invalid as KubeErrors.Invalid).causes).toContainEqual(
        expect.objectContaining({ field: "metadata.name", reason: "FieldValueInvalid" }),
      )

      const immutable = yield* Effect.flip(
        kube.apply(
          {
            ...deployment("errors", "web"),
            spec: { ...(deployment("errors", "web").spec as object), selector: { matchLabels: { app: "other" } } },
          },
          { ...manager, force: true },
        ),
      )
      expect(immutable._tag).toBe("KubeInvalid")
      expect((immutable as KubeErrors.Invalid).causes.map((c) => c.field)).toContain("spec.selector")

      // Another manager owns .spec.replicas with a different value: apply refuses without force.
      yield* kube.apply(deployment("errors", "owned"), { fieldManager: "someone-else" })
      const contested = {
        ...deployment("errors", "owned"),
        spec: { ...(deployment("errors", "owned").spec as object), replicas: 5 },
      }
      const conflict = yield* Effect.flip(kube.apply(contested, manager))
      expect(conflict).toBeInstanceOf(KubeErrors.Conflict)
      expect((conflict as KubeErrors.Conflict).reason).toBe("FieldManagerConflict")
      expect((conflict as KubeErrors.Conflict).causes).toContainEqual(
        expect.objectContaining({ field: ".spec.replicas" }),
      )
      const forced = yield* kube.apply(contested, { ...manager, force: true })
      expect((forced.spec as { replicas: number }).replicas).toBe(5)
    }),
  )

  it.effect("5xx storms and an outage surface as Unavailable; the next call after them succeeds", () =>
    Effect.gen(function* () {
      const kube = yield* Kube
      const sim = yield* KubeSim
      yield* kube.apply(namespace("faults"), manager)
      sim.faults.errors(1, 503)
      const storm = yield* Effect.flip(kube.apply(deployment("faults", "web"), manager))
      expect(storm).toBeInstanceOf(KubeErrors.Unavailable)
      expect((storm as KubeErrors.Unavailable).status).toBe(503)
      sim.faults.errors(1, 429)
      const throttled = yield* Effect.flip(
        kube.get({ apiVersion: "v1", kind: "Namespace", namespace: "", name: "faults" }),
      )
      expect((throttled as KubeErrors.Unavailable).retryAfterSeconds).toBe(1)

      sim.faults.outage()
      const down = yield* Effect.flip(kube.get({ apiVersion: "v1", kind: "Namespace", namespace: "", name: "faults" }))
      expect(down).toBeInstanceOf(KubeErrors.Unavailable)
      expect((down as KubeErrors.Unavailable).status).toBe(0)
      sim.faults.restore()
      const back = yield* kube.apply(deployment("faults", "web"), manager)
      expect(back.metadata.name).toBe("web")
    }),
  )

  it.effect("discovery runs once per apiVersion, then requests go straight to the resource", () =>
    Effect.gen(function* () {
      const sim = yield* KubeSim
      const kube = yield* kubeFrom(Kube.layerFromOptions(sim.kubeConfig))
      const stop = sim.record()
      yield* kube.apply(namespace("discovery"), manager)
      yield* kube.apply(deployment("discovery", "a"), manager)
      yield* kube.apply(deployment("discovery", "b"), manager)
      yield* kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "discovery", name: "a" })
      const seen = stop()
      expect(seen.filter((r) => r.verb === "discovery").map((r) => r.path)).toEqual(["/api/v1", "/apis/apps/v1"])
      expect(seen.filter((r) => r.verb === "apply")).toHaveLength(3)
    }),
  )

  it.effect("a failed discovery is Unavailable and is tried again on the next call", () =>
    Effect.gen(function* () {
      const sim = yield* KubeSim
      const kube = yield* kubeFrom(Kube.layerFromOptions(sim.kubeConfig))
      sim.faults.errors(1, 503, { verbs: ["discovery"] })
      const failed = yield* Effect.flip(
        kube.get({ apiVersion: "v1", kind: "Namespace", namespace: "", name: "default" }),
      )
      expect(failed).toBeInstanceOf(KubeErrors.Unavailable)
      expect((failed as KubeErrors.Unavailable).status).toBe(503)
      const ns = yield* kube.get({ apiVersion: "v1", kind: "Namespace", namespace: "", name: "default" })
      expect(ns.metadata.name).toBe("default")
      const unknown = yield* Effect.flip(kube.get({ apiVersion: "v1", kind: "Widget", namespace: "", name: "x" }))
      expect(unknown).toBeInstanceOf(KubeErrors.Rejected)
      expect(unknown.message).toContain('no resource of kind "Widget" in version "v1"')
    }),
  )

  it.effect("list with a label selector, paging with listAll, patchStatus and delete", () =>
    Effect.gen(function* () {
      const kube = yield* Kube
      yield* kube.apply(namespace("lists"), manager)
      for (const [name, tier] of [
        ["a", "web"],
        ["b", "web"],
        ["c", "worker"],
      ] as const) {
        yield* kube.apply(
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name, namespace: "lists", labels: { tier } },
            data: { k: name },
          },
          manager,
        )
      }
      const web = yield* kube.list({
        apiVersion: "v1",
        kind: "ConfigMap",
        namespace: "lists",
        labelSelector: { tier: "web" },
      })
      expect(web.items.map((i) => i.metadata.name)).toEqual(["a", "b"])
      expect(web.items[0]!.kind).toBe("ConfigMap")
      const notWeb = yield* kube.list({
        apiVersion: "v1",
        kind: "ConfigMap",
        namespace: "lists",
        labelSelector: "tier notin (web),tier",
      })
      expect(notWeb.items.map((i) => i.metadata.name)).toEqual(["c"])
      const paged = yield* kube.listAll({
        apiVersion: "v1",
        kind: "ConfigMap",
        namespace: "lists",
        labelSelector: "tier",
        limit: 1,
      })
      expect(paged.items.map((i) => i.metadata.name)).toEqual(["a", "b", "c"])

      const route: Unstructured = {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "r", namespace: "lists" },
        spec: { parentRefs: [{ name: "eg", namespace: "envoy" }] },
      }
      yield* kube.apply(route, manager)
      const patched = yield* kube.patchStatus(
        { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "lists", name: "r" },
        { parents: [] },
        { fieldManager: "test-controller" },
      )
      expect(patched.status).toEqual({ parents: [] })

      yield* kube.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "lists", name: "a" })
      const gone = yield* Effect.flip(
        kube.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "lists", name: "a" }),
      )
      expect(gone._tag).toBe("KubeNotFound")
    }),
  )

  it.effect(
    "watch streams ADDED, MODIFIED and DELETED from a resourceVersion, and fails with Gone once it is compacted",
    () =>
      Effect.gen(function* () {
        const kube = yield* Kube
        const sim = yield* KubeSim
        yield* kube.apply(namespace("watching"), manager)
        const start = yield* kube.list({ apiVersion: "v1", kind: "ConfigMap", namespace: "watching" })
        const fiber = yield* kube
          .watch({
            apiVersion: "v1",
            kind: "ConfigMap",
            namespace: "watching",
            resourceVersion: start.resourceVersion,
            labelSelector: "app=x",
          })
          .pipe(Stream.take(3), Stream.runCollect, Effect.forkChild)
        yield* Effect.promise(() => sim.waitFor(() => sim.openWatches > 0))
        const cm = (data: string): Unstructured => ({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "c", namespace: "watching", labels: { app: "x" } },
          data: { v: data },
        })
        yield* kube.apply(cm("1"), manager)
        yield* kube.apply(cm("2"), manager)
        yield* kube.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "watching", name: "c" })
        const events = yield* Fiber.join(fiber)
        expect(events.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "DELETED"])
        const modified = events[1]!
        expect(modified.type === "MODIFIED" && modified.object.kind).toBe("ConfigMap")

        sim.compact()
        const gone = yield* Effect.flip(
          kube
            .watch({
              apiVersion: "v1",
              kind: "ConfigMap",
              namespace: "watching",
              resourceVersion: start.resourceVersion,
            })
            .pipe(Stream.runDrain),
        )
        expect(gone).toBeInstanceOf(KubeErrors.Gone)
      }),
  )
})

describe("Kube layers", () => {
  it.effect("layerFromYaml reads a kubeconfig file's contents", () =>
    Effect.gen(function* () {
      const sim = yield* KubeSim
      const kube = yield* kubeFrom(Kube.layerFromYaml(sim.kubeConfigYaml))
      expect(kube.server).toBe(sim.url)
      const ns = yield* kube.get({ apiVersion: "v1", kind: "Namespace", namespace: "", name: "kube-system" })
      expect(ns.metadata.name).toBe("kube-system")
    }).pipe(Effect.provide(Sim)),
  )
})
