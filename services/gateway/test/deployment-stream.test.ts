import { randomBytes } from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { FieldCrypto } from "@starform/crypto"
import { ControlPlane } from "@starform/starbase"
import { TestDatabase } from "@starform/testkit"
import { Effect } from "effect"
import * as Harness from "./identityHarness.ts"

/**
 * `GET /v1/environments/{id}/deployments/stream`, what an open dashboard page watches: the picture at once, then a
 * new event when a deployment appears or changes, on one request (so watching does not spend the request budget).
 */

const start = ControlPlane.start({ host: "127.0.0.1", port: 0, identityPort: 0, logRequests: false }).pipe(
  Effect.provide(FieldCrypto.layerFromKeys(randomBytes(32))),
)

/** The stream's events as they come, one JSON value each. */
const open = (url: string, token: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const controller = new AbortController()
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal })
      const reader = response.body!.getReader()
      let buffered = ""
      const next = async (): Promise<unknown> => {
        for (;;) {
          const end = buffered.indexOf("\n\n")
          if (end >= 0) {
            const event = buffered.slice(0, end)
            buffered = buffered.slice(end + 2)
            const data = event.split("\n").find((line) => line.startsWith("data: "))
            if (data !== undefined) return JSON.parse(data.slice(6))
            continue
          }
          const chunk = await reader.read()
          if (chunk.done) throw new Error("the stream ended")
          buffered += new TextDecoder().decode(chunk.value)
        }
      }
      return { status: response.status, contentType: response.headers.get("content-type"), next, controller }
    }),
    ({ controller }) => Effect.sync(() => controller.abort()),
  )

layer(TestDatabase.layer, { timeout: 60_000, excludeTestServices: true })("the deployment stream", (it) => {
  it.effect("sends the environment's services and deployments at once, then again within a second of a change", () =>
    Effect.gen(function* () {
      const running = yield* start
      const api = Harness.client(running.gatewayUrl)
      const ada = yield* Harness.signup(api)
      const workspaceId = yield* Harness.workspace(api, ada.token)
      const project = yield* api.post(`/v1/workspaces/${workspaceId}/projects`, { name: "shop" }, ada.token)
      const [environment] = (yield* api.get(`/v1/projects/${project.body.id}/environments`, ada.token)).body
      const service = yield* api.post(
        `/v1/environments/${environment.id}/services`,
        { name: "worker", type: "worker", source: { type: "image", imageRef: "ghcr.io/acme/worker:1" } },
        ada.token,
      )
      expect(service.status).toBe(201)

      const stream = yield* open(
        `${running.gatewayUrl}/v1/environments/${environment.id}/deployments/stream`,
        ada.token,
      )
      expect(stream.status).toBe(200)
      expect(stream.contentType).toContain("text/event-stream")
      expect(yield* Effect.promise(stream.next)).toEqual([{ serviceId: service.body.id, deployments: [] }])

      // Without a cluster a deploy is refused, so the change watched here is a second service appearing.
      const second = yield* api.post(
        `/v1/environments/${environment.id}/services`,
        { name: "cron", type: "worker", source: { type: "image", imageRef: "ghcr.io/acme/cron:1" } },
        ada.token,
      )
      expect(second.status).toBe(201)
      const started = Date.now()
      const event = (yield* Effect.promise(stream.next)) as ReadonlyArray<{ serviceId: string }>
      expect(event.map((s) => s.serviceId).sort()).toEqual([service.body.id, second.body.id].sort())
      expect(Date.now() - started).toBeLessThan(1_000)

      // Another person's token reaches nothing: the same 404 as for an environment that does not exist.
      const eve = yield* Harness.signup(api, "Eve")
      const foreign = yield* api.get(`/v1/environments/${environment.id}/deployments/stream`, eve.token)
      expect(foreign.status).toBe(404)
    }).pipe(Effect.scoped),
  )
})
