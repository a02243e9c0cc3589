import { randomBytes } from "node:crypto"
import { NodeHttpClient } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { FieldCrypto } from "@starform/crypto"
import { ProjectsRpc, RequestBodies } from "@starform/domain"
import { ControlPlane } from "@starform/starbase"
import { TestDatabase } from "@starform/testkit"
import { Effect, Layer } from "effect"
import { RpcClient } from "effect/rpc"
import * as SqlClient from "effect/sql/SqlClient"
import * as Harness from "./identityHarness.ts"

/**
 * Bad input gets a clear 4xx naming the field and the rule, and nothing is written: NUL in any text, a field the
 * contract does not name, bodies nested too deeply or too large, too many variables, a malformed body where none is
 * taken. Every refusal is JSON `{ code, message }`, and the database reads the same before and after.
 */

/** Every table a refused write could have touched, as one digest of all its rows. */
const tables = [
  "projects",
  "environments",
  "services",
  "service_variables",
  "var_groups",
  "var_group_entries",
  "deployments",
  "workspaces",
  "users",
]

const fingerprint = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const digests: Record<string, string> = {}
  for (const table of tables) {
    const rows = yield* sql.unsafe<{ digest: string | null; count: string }>(
      `SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) AS digest, count(*)::text AS count FROM ${table} t`,
    )
    digests[table] = `${rows[0]?.count}:${rows[0]?.digest}`
  }
  return digests
}).pipe(Effect.orDie)

/** A request with a body as given (not re-encoded), for bodies `fetch`'s JSON helper would never send. */
const raw = (
  baseUrl: string,
  method: string,
  path: string,
  body: string | ReadableStream<Uint8Array> | undefined,
  headers: Record<string, string>,
) =>
  Effect.promise(async (): Promise<Harness.Reply> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    })
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = text === "" ? undefined : JSON.parse(text)
    } catch {}
    return { status: response.status, headers: response.headers, body: parsed }
  })

let worlds = 0

/** Starbase with one person, a workspace, a project placed on a registered cluster, an environment and a service. */
const world = Effect.gen(function* () {
  const running = yield* ControlPlane.start({
    host: "127.0.0.1",
    port: 0,
    identityPort: 0,
    logRequests: false,
    githubWebhookSecret: "webhook-secret",
  }).pipe(Effect.provide(FieldCrypto.layerFromKeys(randomBytes(32))))
  const api = Harness.client(running.gatewayUrl)
  const ada = yield* Harness.signup(api)
  const workspaceId = yield* Harness.workspace(api, ada.token)
  const operator = yield* RpcClient.make(ProjectsRpc.ProjectsRpcs).pipe(
    Effect.provideContext(
      yield* Layer.build(
        RpcClient.layerProtocolHttp({ url: `${running.projectsUrl}${ProjectsRpc.path}` }).pipe(
          Layer.provide(ProjectsRpc.serialization),
          Layer.provide(NodeHttpClient.layerUndici),
        ),
      ),
    ),
  )
  const slug = `region-${worlds++}`
  const region = yield* operator.CreateRegion({ slug: slug as never, name: "Test region" as never })
  yield* operator.RegisterCluster({
    regionId: region.id,
    name: `${slug}-1` as never,
    apiUrl: "https://nyc3-1.k8s.example.test",
    kubeconfig: "apiVersion: v1\nkind: Config\n",
  })
  const project = yield* api.post(
    `/v1/workspaces/${workspaceId}/projects`,
    { name: "engine", regionId: region.id },
    ada.token,
  )
  const environment = yield* api.post(`/v1/projects/${project.body.id}/environments`, { name: "staging" }, ada.token)
  const service = yield* api.post(
    `/v1/environments/${environment.body.id}/services`,
    { name: "api", type: "worker", source: { type: "image", imageRef: "ghcr.io/acme/api:1.0.0" } },
    ada.token,
  )
  const group = yield* api.post(`/v1/projects/${project.body.id}/var-groups`, { name: "shared" }, ada.token)
  for (const reply of [project, environment, service, group]) expect(reply.status).toBe(201)
  const auth = { authorization: `Bearer ${ada.token}` }
  return {
    api,
    token: ada.token,
    baseUrl: running.gatewayUrl,
    auth,
    json: { ...auth, "content-type": "application/json" },
    projectId: project.body.id as string,
    environmentId: environment.body.id as string,
    serviceId: service.body.id as string,
    varGroupId: group.body.id as string,
  }
})

layer(TestDatabase.layer, { timeout: 90_000 })("bad input through the gateway", (it) => {
  it.effect("NUL in any text field is a 400 naming the field and the no-nul rule; nothing is written", () =>
    Effect.gen(function* () {
      const w = yield* world
      const before = yield* fingerprint
      const nul = "before\u0000after"
      const cases: ReadonlyArray<readonly [string, string, unknown, string]> = [
        ["PATCH", `/v1/projects/${w.projectId}`, { description: nul }, "description"],
        ["PATCH", `/v1/environments/${w.environmentId}`, { gitBranch: nul }, "gitBranch"],
        ["PATCH", `/v1/var-groups/${w.varGroupId}`, { description: nul }, "description"],
        ["POST", `/v1/services/${w.serviceId}/deployments`, { commitMessage: nul }, "commitMessage"],
        ["PATCH", `/v1/services/${w.serviceId}/variables`, { variables: { GREETING: nul } }, "variables.GREETING"],
        ["PATCH", `/v1/services/${w.serviceId}`, { name: nul }, "name"],
        ["PATCH", "/v1/me", { name: nul }, "name"],
      ]
      for (const [method, path, body, field] of cases) {
        const reply = yield* Harness.request(w.baseUrl, method, path, { token: w.token, body })
        expect({ path, status: reply.status }).toEqual({ path, status: 400 })
        expect(reply.body).toMatchObject({ code: "validation_failed", field, rule: "no-nul" })
        expect(reply.body.message).toContain("NUL")
      }
      expect(yield* fingerprint).toEqual(before)
    }).pipe(Effect.scoped),
  )

  it.effect("a field the contract does not name is a 400 naming it, at any depth; nothing is written", () =>
    Effect.gen(function* () {
      const w = yield* world
      const before = yield* fingerprint
      const publik = yield* w.api.post(
        `/v1/environments/${w.environmentId}/services`,
        { name: "web", type: "worker", source: { type: "image", imageRef: "ghcr.io/acme/web:1" }, isPublik: true },
        w.token,
      )
      expect(publik.status).toBe(400)
      expect(publik.body).toMatchObject({ code: "validation_failed", field: "isPublik", rule: "unknown-field" })
      expect(publik.body.message).toBe("isPublik is not a field of this request (unknown fields are refused)")

      const nested = yield* w.api.patch(
        `/v1/services/${w.serviceId}`,
        { config: { scaling: { mode: "fixed", replicas: 2, burst: 9 } } },
        w.token,
      )
      expect(nested.status).toBe(400)
      expect(nested.body).toMatchObject({ field: "config.scaling.burst", rule: "unknown-field" })

      const signup = yield* w.api.post("/v1/auth/signup", {
        email: Harness.email(),
        password: Harness.password,
        name: "Eve",
        isAdmin: true,
      })
      expect(signup.body).toMatchObject({ field: "isAdmin", rule: "unknown-field" })
      expect(signup.status).toBe(400)
      expect(yield* fingerprint).toEqual(before)
    }).pipe(Effect.scoped),
  )

  it.effect("deep nesting, oversized bodies and too many or too large variables are refused; nothing is written", () =>
    Effect.gen(function* () {
      const w = yield* world
      const before = yield* fingerprint
      const { limits } = RequestBodies
      const nest = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`

      const deep = yield* raw(
        w.baseUrl,
        "PATCH",
        `/v1/projects/${w.projectId}`,
        `{"description": ${nest(10_000)}}`,
        w.json,
      )
      expect(deep.status).toBe(400)
      expect(deep.body).toMatchObject({ code: "validation_failed", rule: "max-depth" })
      // the limit itself is allowed through to the endpoint's own checks (here: a description is text, not a list)
      const atLimit = yield* raw(
        w.baseUrl,
        "PATCH",
        `/v1/projects/${w.projectId}`,
        `{"description": ${nest(limits.depth - 1)}}`,
        w.json,
      )
      expect(atLimit.body).toMatchObject({ field: "description", rule: "type" })

      const keys = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`KEY_${i}`, "x"]))
      const many = yield* w.api.patch(`/v1/services/${w.serviceId}/variables`, { variables: keys }, w.token)
      expect(many.status).toBe(400)
      expect(many.body).toMatchObject({ field: "variables", rule: "max-variables" })

      const big = "x".repeat(limits.variableValueCharacters + 1)
      const large = yield* w.api.patch(`/v1/services/${w.serviceId}/variables`, { variables: { BIG: big } }, w.token)
      expect(large.status).toBe(400)
      expect(large.body).toMatchObject({ field: "variables.BIG", rule: "length" })

      const huge = JSON.stringify({ variables: { A: "y".repeat(limits.bodyBytes) } })
      const tooLarge = yield* raw(w.baseUrl, "PATCH", `/v1/services/${w.serviceId}/variables`, huge, w.json)
      expect(tooLarge.status).toBe(413)
      expect(tooLarge.headers.get("content-type")).toContain("application/json")
      expect(tooLarge.body).toMatchObject({ code: "payload_too_large" })

      // without Content-Length (chunked), the limit holds while reading
      const chunks = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 20; i++)
            controller.enqueue(new TextEncoder().encode(huge.slice(i * 60_000, (i + 1) * 60_000)))
          controller.close()
        },
      })
      const streamed = yield* raw(w.baseUrl, "PATCH", `/v1/services/${w.serviceId}/variables`, chunks, w.json)
      expect(streamed.status).toBe(413)
      expect(streamed.body).toMatchObject({ code: "payload_too_large" })

      // GitHub's deliveries have their own cap (GitHub's: 25 MB), held while reading too
      const megabyte = new TextEncoder().encode("z".repeat(1024 * 1024))
      const flood = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 26; i++) controller.enqueue(megabyte)
          controller.close()
        },
      })
      const delivery = yield* raw(w.baseUrl, "POST", "/webhooks/github", flood, {
        "content-type": "application/json",
        "x-hub-signature-256": "sha256=00",
        "x-github-delivery": "d-1",
        "x-github-event": "push",
      })
      expect(delivery.status).toBe(413)
      expect(delivery.body).toMatchObject({ code: "payload_too_large" })

      expect(yield* fingerprint).toEqual(before)
    }).pipe(Effect.scoped),
  )

  it.effect("all-optional bodies may be left out; endpoints without a body refuse a malformed one", () =>
    Effect.gen(function* () {
      const w = yield* world
      const deployed = yield* raw(w.baseUrl, "POST", `/v1/services/${w.serviceId}/deployments`, undefined, w.auth)
      expect(deployed.body).toMatchObject({ status: "deploying" })
      expect(deployed.status).toBe(201)
      const deploymentId = deployed.body.id as string
      const renamed = yield* raw(w.baseUrl, "PATCH", `/v1/projects/${w.projectId}`, undefined, w.auth)
      expect(renamed.status).toBe(200)
      expect(renamed.body).toMatchObject({ id: w.projectId, name: "engine" })

      const before = yield* fingerprint
      const malformed = yield* raw(w.baseUrl, "POST", `/v1/services/${w.serviceId}/deployments`, "{imageRef:", w.json)
      expect(malformed.status).toBe(400)
      expect(malformed.body).toEqual({
        code: "validation_failed",
        message: "The request body is not valid JSON.",
        field: "",
        rule: "json",
      })
      const nothing = yield* raw(w.baseUrl, "POST", `/v1/services/${w.serviceId}/deployments`, "[]", w.json)
      expect(nothing.body).toMatchObject({ code: "validation_failed", field: "", rule: "type" })

      for (const action of ["redeploy", "cancel"]) {
        const path = `/v1/deployments/${deploymentId}/${action}`
        const garbled = yield* raw(w.baseUrl, "POST", path, '{"reason": ', w.json)
        expect(garbled.status).toBe(400)
        expect(garbled.body).toMatchObject({ code: "validation_failed", rule: "json" })
        const extra = yield* raw(w.baseUrl, "POST", path, '{"force": true}', w.json)
        expect(extra.status).toBe(400)
        expect(extra.body).toMatchObject({ field: "force", rule: "unknown-field" })
        const list = yield* raw(w.baseUrl, "POST", path, "[]", w.json)
        expect(list.body).toMatchObject({ rule: "type" })
        const text = yield* raw(w.baseUrl, "POST", path, "please", { ...w.auth, "content-type": "text/plain" })
        expect(text.status).toBe(415)
        expect(text.body).toMatchObject({ code: "unsupported_media_type" })
      }
      expect(yield* fingerprint).toEqual(before)

      // `{}` and no body at all are what "no body" means
      const redeployed = yield* raw(w.baseUrl, "POST", `/v1/deployments/${deploymentId}/redeploy`, "{}", w.json)
      expect(redeployed.status).toBe(201)
      const cancelled = yield* raw(w.baseUrl, "POST", `/v1/deployments/${redeployed.body.id}/cancel`, undefined, w.auth)
      expect(cancelled.status).toBe(200)
    }).pipe(Effect.scoped),
  )

  it.effect("415, 413 and unknown paths answer JSON { code, message }", () =>
    Effect.gen(function* () {
      const w = yield* world
      const form = yield* raw(w.baseUrl, "PATCH", `/v1/projects/${w.projectId}`, "name=x", {
        ...w.auth,
        "content-type": "application/x-www-form-urlencoded",
      })
      expect(form.status).toBe(415)
      expect(form.headers.get("content-type")).toContain("application/json")
      expect(form.body).toEqual({
        code: "unsupported_media_type",
        message:
          "The request body must be JSON sent as Content-Type: application/json, not application/x-www-form-urlencoded.",
      })

      const declared = yield* raw(
        w.baseUrl,
        "POST",
        "/v1/auth/signup",
        "x".repeat(RequestBodies.limits.bodyBytes + 1),
        {
          "content-type": "application/json",
        },
      )
      expect(declared.status).toBe(413)
      expect(declared.body).toMatchObject({ code: "payload_too_large" })
      expect(declared.body.message).toContain("1 MiB")

      const document = yield* w.api.get("/openapi.json")
      expect(document.body[RequestBodies.limitsExtension]).toMatchObject({ Nesting: expect.stringContaining("32") })
      const reference = yield* raw(w.baseUrl, "GET", "/reference", undefined, {})
      expect(reference.body).toContain("Limits")
      expect(reference.body).toContain("at most 1 MiB (larger: 413)")

      for (const [method, path] of [
        ["GET", "/v1/nothing-here"],
        ["POST", "/v1/nothing-here"],
        ["DELETE", "/nope"],
        ["PUT", `/v1/projects/${w.projectId}`],
      ] as const) {
        const reply = yield* raw(w.baseUrl, method, path, undefined, w.auth)
        expect({ method, path, status: reply.status }).toEqual({ method, path, status: 404 })
        expect(reply.headers.get("content-type")).toContain("application/json")
        expect(reply.body).toMatchObject({ code: "not_found", message: expect.stringContaining("/reference") })
      }
    }).pipe(Effect.scoped),
  )
})
