import { randomBytes } from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { FieldCrypto } from "@starform/crypto"
import { DesiredState } from "@starform/domain"
import { KubeSim } from "@starform/kube-sim"
import { ControlPlane, LocalCluster } from "@starform/starbase"
import { Mailbox, TestDatabase } from "@starform/testkit"
import { Context, Duration, Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * A public web service's generated domain, end to end: created through the API, deployed, and Shuttle renders its
 * HTTPRoute in the cluster (kube-sim) with that hostname and the service's stable Service as backend, accepted by
 * the gateway, and keeps it through a new release and a rollback; a private service deployed beside it gets no
 * route. Changing the subdomain moves the route.
 */

interface Reply {
  readonly status: number
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are asserted on by shape
  readonly body: any
}

const request = (baseUrl: string, method: string, path: string, token: string | undefined, body?: unknown) =>
  Effect.promise(async (): Promise<Reply> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
  })

const eventually = <A>(check: Effect.Effect<A | undefined>, what: string, timeoutMs = 60_000) =>
  Effect.gen(function* () {
    for (let waited = 0; waited < timeoutMs; waited += 100) {
      const value = yield* check
      if (value !== undefined) return value
      yield* Effect.sleep(Duration.millis(100))
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}`))
  })

interface Route {
  readonly spec: {
    readonly hostnames: ReadonlyArray<string>
    readonly rules: ReadonlyArray<{
      readonly backendRefs: ReadonlyArray<{ readonly name: string; readonly port: number }>
    }>
  }
  readonly status?: {
    readonly parents?: ReadonlyArray<{ readonly conditions?: ReadonlyArray<{ type: string; status: string }> }>
  }
}

layer(TestDatabase.layer, { timeout: 180_000, excludeTestServices: true })(
  "a public service's generated domain",
  (it) => {
    it.effect(
      "is routed to the service's stable Service, still after a rollback; a private service gets no route; a new subdomain moves it",
      () =>
        Effect.gen(function* () {
          // the test polls the API while the rollout runs: a roomier budget than a person's
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO rate_limit_budgets ${sql.insert({ name: "api", capacity: 10_000, refillPerMinute: 10_000 })}
          ON CONFLICT (name) DO UPDATE SET capacity = EXCLUDED.capacity, refill_per_minute = EXCLUDED.refill_per_minute`.pipe(
            Effect.orDie,
          )
          const running = yield* ControlPlane.start({
            host: "127.0.0.1",
            port: 0,
            identityPort: 0,
            logRequests: false,
          }).pipe(Effect.provide(FieldCrypto.layerFromKeys(randomBytes(32))))
          const simulated = yield* Layer.build(LocalCluster.simulator)
          yield* LocalCluster.startShuttle(running.projectsUrl).pipe(Effect.provideContext(simulated))
          const sim = Context.get(simulated, KubeSim)
          const api = running.gatewayUrl

          const email = `domains-${randomBytes(4).toString("hex")}@example.com`
          const signup = yield* request(api, "POST", "/v1/auth/signup", undefined, {
            email,
            password: "correct horse battery staple",
            name: "Ada Lovelace",
          })
          expect(signup.status).toBe(201)
          const token: string = signup.body.tokens.accessToken
          const mailed = yield* Mailbox.lastLink(email, "verify_email")
          expect(
            (yield* request(api, "POST", "/v1/auth/verify-email", undefined, { token: mailed.token })).status,
          ).toBe(204)
          const workspace = yield* request(api, "POST", "/v1/workspaces", token, { name: "Acme" })
          const project = yield* request(api, "POST", `/v1/workspaces/${workspace.body.id}/projects`, token, {
            name: "shop",
          })
          const [environment] = (yield* request(api, "GET", `/v1/projects/${project.body.id}/environments`, token)).body
          const namespace = DesiredState.namespaceOf(environment.id)
          const create = (name: string, isPublic: boolean) =>
            request(api, "POST", `/v1/environments/${environment.id}/services`, token, {
              name,
              type: "web",
              port: 8080,
              isPublic,
              source: { type: "image", imageRef: "ghcr.io/acme/web:1" },
            })
          const web = yield* create("api", true)
          const internal = yield* create("internal", false)
          expect(web.status).toBe(201)
          const hostname = `api-${web.body.id.slice(4, 10)}.starform.app`
          expect(web.body).toMatchObject({ url: `https://${hostname}`, domains: [hostname], domainsReason: null })
          expect(internal.body).toMatchObject({
            url: null,
            domains: [],
            domainsReason: expect.stringMatching(/private/),
          })
          const listed = yield* request(api, "GET", `/v1/services/${internal.body.id}/domains`, token)
          expect(listed).toMatchObject({ status: 200, body: { domains: [], reason: internal.body.domainsReason } })

          const untilActive = (created: Reply, serviceId: string) =>
            Effect.gen(function* () {
              expect(created.status).toBe(201)
              yield* eventually(
                Effect.map(request(api, "GET", `/v1/deployments/${created.body.id}`, token), (reply) =>
                  reply.body.status === "active" ? true : undefined,
                ),
                `deployment of ${serviceId} to become active`,
              )
              return created.body.id as string
            })
          const deploy = (serviceId: string) =>
            Effect.flatMap(request(api, "POST", `/v1/services/${serviceId}/deployments`, token, {}), (created) =>
              untilActive(created, serviceId),
            )
          const [first] = yield* Effect.all([deploy(web.body.id), deploy(internal.body.id)], { concurrency: 2 })

          const routeOf = (name: string) =>
            sim.get("gateway.networking.k8s.io/v1", "HTTPRoute", namespace, name) as unknown as Route | undefined
          const accepted = (route: Route) =>
            ["Accepted", "ResolvedRefs"].every((type) =>
              (route.status?.parents?.[0]?.conditions ?? []).some(
                (condition) => condition.type === type && condition.status === "True",
              ),
            )
          const route = yield* eventually(
            Effect.sync(() => {
              const found = routeOf("api")
              return found !== undefined && accepted(found) ? found : undefined
            }),
            "the public service's route to be accepted",
          )
          expect(route.spec.hostnames).toEqual([hostname])
          expect(route.spec.rules.flatMap((rule) => rule.backendRefs)).toMatchObject([{ name: "api", port: 8080 }])
          expect(sim.get("v1", "Service", namespace, "api")).toBeDefined()
          // the private service runs, reachable only inside its environment: no route names it
          expect(sim.get("v1", "Service", namespace, "internal")).toBeDefined()
          expect(routeOf("internal")).toBeUndefined()
          expect(
            sim.list("gateway.networking.k8s.io/v1", "HTTPRoute", namespace).map((object) => object.metadata.name),
          ).toEqual(["api"])

          // a new release, then a rollback to the first: the route keeps its hostname and its stable backend
          yield* deploy(web.body.id)
          yield* untilActive(
            yield* request(api, "POST", `/v1/deployments/${first}/rollback`, token, {}),
            `rollback of ${web.body.id}`,
          )
          const afterRollback = routeOf("api")
          expect(afterRollback?.spec.hostnames).toEqual([hostname])
          expect(afterRollback?.spec.rules.flatMap((rule) => rule.backendRefs)).toMatchObject([
            { name: "api", port: 8080 },
          ])
          expect(accepted(afterRollback!)).toBe(true)

          // a subdomain of the person's choosing: the route follows without a deploy
          const subdomain = `shop-${randomBytes(3).toString("hex")}`
          const changed = yield* request(api, "PUT", `/v1/services/${web.body.id}/domains/generated`, token, {
            subdomain,
          })
          expect(changed).toMatchObject({ status: 200, body: { hostname: `${subdomain}.starform.app` } })
          yield* eventually(
            Effect.sync(() => (routeOf("api")?.spec.hostnames[0] === `${subdomain}.starform.app` ? true : undefined)),
            "the route to carry the new hostname",
          )
          const reserved = yield* request(api, "PUT", `/v1/services/${web.body.id}/domains/generated`, token, {
            subdomain: "www",
          })
          expect(reserved).toMatchObject({ status: 400, body: { field: "subdomain", rule: "reserved" } })
          const privateOne = yield* request(api, "PUT", `/v1/services/${internal.body.id}/domains/generated`, token, {
            subdomain: `${subdomain}-2`,
          })
          expect(privateOne.status).toBe(409)
        }).pipe(Effect.scoped),
      180_000,
    )
  },
)
