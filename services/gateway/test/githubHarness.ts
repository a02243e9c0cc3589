import { randomBytes } from "node:crypto"
import { NodeHttpClient } from "@effect/platform-node"
import { FieldCrypto } from "@starform/crypto"
import { ProjectsRpc } from "@starform/domain"
import { Kube } from "@starform/kube"
import { Simulator } from "@starform/kube-sim"
import { ControlPlane } from "@starform/starbase"
import { FakeGithub, GithubPayloads } from "@starform/testkit"
import { Effect, Layer, Redacted } from "effect"
import { RpcClient } from "effect/rpc"
import * as Harness from "./identityHarness.ts"

/**
 * Starbase on free ports with GitHub pointed at a fake (FakeGithub on 127.0.0.1), webhooks signed with the test
 * secret, and builds running as Jobs on a simulated cluster whose pods the test scripts.
 */
export const start = Effect.gen(function* () {
  const github = yield* FakeGithub.make()
  const sim = yield* Effect.acquireRelease(
    Effect.promise(() => Simulator.start({ clock: "fast", tickMs: 100, intervalMs: 5 })),
    (s) => Effect.promise(() => s.stop()),
  )
  const running = yield* ControlPlane.start({
    host: "127.0.0.1",
    port: 0,
    identityPort: 0,
    logRequests: false,
    buildCluster: Kube.layerFromOptions(sim.kubeConfig),
    github: {
      appId: String(github.appId),
      privateKey: Redacted.make(github.privateKey),
      apiUrl: github.url,
      appUrl: "https://github.com/apps/starform-test",
    },
    githubWebhookSecret: GithubPayloads.testSecret,
    pipeline: { pollMs: 50, retryBaseMs: 100 },
  }).pipe(Effect.provide(FieldCrypto.layerFromKeys(randomBytes(32))))
  const api = Harness.client(running.gatewayUrl)
  return { running, github, sim, api }
})

/** A delivery posted to `POST /webhooks/github` as GitHub posts it. */
export const post = (baseUrl: string, delivery: GithubPayloads.Delivery, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const response = await fetch(`${baseUrl}/webhooks/github`, {
      method: "POST",
      headers: { ...delivery.headers, ...headers },
      body: delivery.body,
    })
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {}
    // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are asserted on by shape
    return { status: response.status, body: body as any }
  })

/** The operator's client of the projects service (registers the cluster environments are placed on). */
export const operator = (projectsUrl: string) =>
  Effect.gen(function* () {
    const protocol = yield* Layer.build(
      RpcClient.layerProtocolHttp({ url: `${projectsUrl}${ProjectsRpc.path}` }).pipe(
        Layer.provide(ProjectsRpc.serialization),
        Layer.provide(NodeHttpClient.layerUndici),
      ),
    )
    return yield* RpcClient.make(ProjectsRpc.ProjectsRpcs).pipe(Effect.provideContext(protocol))
  })

let regions = 0

/**
 * Signed up, with a workspace, the GitHub App installed on `owner` through the install link and setup callback,
 * and a project whose production environment deploys branch main, placed on a registered cluster.
 */
export const connected = (
  world: Effect.Success<typeof start>,
  options: { readonly owner: string; readonly installationId: number },
) =>
  Effect.gen(function* () {
    const { api, github, running } = world
    const ada = yield* Harness.signup(api)
    const workspaceId = yield* Harness.workspace(api, ada.token, `Acme ${options.installationId}`)
    const ops = yield* operator(running.projectsUrl)
    const region = yield* ops.CreateRegion({
      slug: `r${options.installationId}-${++regions}` as never,
      name: "Region" as never,
    })
    const cluster = yield* ops.RegisterCluster({
      regionId: region.id,
      name: `c${options.installationId}` as never,
      apiUrl: "https://kube.example.test",
      kubeconfig: "apiVersion: v1\nkind: Config\n",
    })
    github.addInstallation({
      id: options.installationId,
      account: { login: options.owner, id: options.installationId, type: "Organization" },
      repositories: [{ id: options.installationId * 10, name: "api", private: true, defaultBranch: "main" }],
    })
    const link = yield* api.post(`/v1/workspaces/${workspaceId}/github/install-link`, undefined, ada.token)
    const state = new URL(link.body.url).searchParams.get("state")!
    const setup = yield* api.get(
      `/v1/github/setup?installation_id=${options.installationId}&setup_action=install&state=${encodeURIComponent(state)}`,
    )
    const project = yield* api.post(
      `/v1/workspaces/${workspaceId}/projects`,
      { name: `app-${options.installationId}`, regionId: region.id },
      ada.token,
    )
    const environments = yield* api.get(`/v1/projects/${project.body.id}/environments`, ada.token)
    const production = environments.body[0]
    yield* api.patch(`/v1/environments/${production.id}`, { gitBranch: "main" }, ada.token)
    return {
      ada,
      workspaceId,
      link,
      setup,
      project: project.body,
      environmentId: production.id as string,
      cluster,
      ops,
    }
  })
