import { expect, layer } from "@effect/vitest"
import { Auth, Identity, Ids, PublicApi } from "@starform/domain"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Arbitrary, Effect, Schema } from "effect"
import { HttpApi, type HttpApiEndpoint } from "effect/http-api"
import * as SqlClient from "effect/sql/SqlClient"
import * as Harness from "./identityHarness.ts"

/**
 * The tenancy matrix, generated from `PublicApi.Api`: every route that names a tenant's resource is called by a
 * member of another workspace with that workspace's ids (404, worded exactly like a missing id, nothing revealed),
 * and every mutating one by a viewer of the resource's own workspace (403). A route added later is in the matrix
 * the moment it is in the contract; a path parameter the matrix cannot fill, or an authenticated route naming no
 * tenant that is not listed below with its reason, fails the test.
 */

/** Authenticated routes that name no tenant's resource, and why they need no matrix. */
const notTenantScoped: Record<string, string> = {
  "GET /v1/me": "the caller's own account",
  "PATCH /v1/me": "the caller's own account",
  "DELETE /v1/me": "the caller's own account",
  "POST /v1/auth/logout": "the caller's own session",
  "GET /v1/me/sessions": "the caller's own sessions",
  "POST /v1/me/email-verification": "the caller's own account",
  "POST /v1/me/mfa/enrolment": "the caller's own account",
  "POST /v1/me/mfa/confirmation": "the caller's own account",
  "POST /v1/me/mfa/recovery-codes": "the caller's own account",
  "POST /v1/me/mfa/disable": "the caller's own account",
  "GET /v1/me/memberships": "lists only the caller's own memberships",
  "POST /v1/me/invitations/accept": "the invitation token is the credential; it must match the caller's email",
  "GET /v1/me/export": "the caller's own data",
  "POST /v1/auth/device/lookup": "the user code is the credential; it shows the caller what asks to sign in",
  "POST /v1/auth/device/approve": "the user code is the credential; it signs a device in as the caller",
  "POST /v1/auth/device/deny": "the user code is the credential; it refuses a device for the caller",
  "POST /v1/workspaces": "creates a new tenant",
  "GET /v1/workspaces": "lists only the caller's own workspaces",
  "GET /v1/regions": "regions are Starform's, shared by every tenant",
}

/** Path parameters that name one person's own things rather than a workspace's: cross-tenant only. */
const personal = new Set(["sessionId"])

interface Tenant {
  readonly [param: string]: string
}

/** One workspace with one of everything a route can name, owned by `ownerId`. */
const tenant = (workspaceId: string, ownerId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const project = yield* Fixtures.project({ workspaceId })
    const environment = yield* Fixtures.environment({ projectId: project.id })
    const service = yield* Fixtures.service({ projectId: project.id, environmentId: environment.id })
    const key = { projectId: project.id, environmentId: environment.id, serviceId: service.id }
    const deployment = yield* Fixtures.deployment(key)
    // builds made by the pipeline carry their workspace (migration 0050); the fixture does not set it by itself
    const build = yield* Fixtures.build({ ...key, deploymentId: deployment.id, workspaceId })
    const varGroup = yield* Fixtures.varGroup({ projectId: project.id })
    const installation = yield* Fixtures.githubInstallation({ workspaceId })
    const token = yield* Fixtures.apiToken({ workspaceId })
    const session = yield* Fixtures.session({ userId: ownerId })
    const serviceAccountId = Identity.newServiceAccountId()
    yield* sql`INSERT INTO service_accounts ${sql.insert({ id: serviceAccountId, workspaceId, name: Fixtures.uniqueName("bot") })}`
    const invitationId = Identity.newInvitationId()
    yield* sql`INSERT INTO invitations ${sql.insert({
      id: invitationId,
      workspaceId,
      email: `${Fixtures.uniqueName("invitee")}@example.com`,
      role: "developer",
      tokenHash: Fixtures.uniqueName("hash"),
      expiresAt: new Date(Date.now() + 86_400_000),
    })}`
    return {
      workspaceId,
      userId: ownerId,
      projectId: project.id,
      environmentId: environment.id,
      serviceId: service.id,
      deploymentId: deployment.id,
      buildId: build.id,
      varGroupId: varGroup.id,
      installationId: installation.id,
      tokenId: token.id,
      serviceAccountId,
      invitationId,
      sessionId: session.id,
      key: "DATABASE_URL",
    } as Tenant
  })

/** Ids of the right shape that name nothing. */
const missing: Tenant = {
  workspaceId: Ids.newId("workspace"),
  userId: Ids.newId("user"),
  projectId: Ids.newId("project"),
  environmentId: Ids.newId("environment"),
  serviceId: Ids.newId("service"),
  deploymentId: Ids.newId("deployment"),
  buildId: Ids.newId("build"),
  varGroupId: Ids.newId("varGroup"),
  installationId: Ids.newId("githubInstallation"),
  tokenId: Ids.newId("apiToken"),
  serviceAccountId: Identity.newServiceAccountId(),
  invitationId: Identity.newInvitationId(),
  sessionId: Ids.newId("session"),
  key: "DATABASE_URL",
}

interface Route {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly params: ReadonlyArray<string>
  readonly authenticated: boolean
  readonly endpoint: HttpApiEndpoint.Top
}

const routes: Array<Route> = []
HttpApi.reflect(PublicApi.Api, {
  onGroup: () => {},
  onEndpoint: ({ endpoint, middleware }) =>
    routes.push({
      name: `${endpoint.method} ${endpoint.path.replace(/:(\w+)/g, "{$1}")}`,
      method: endpoint.method,
      path: endpoint.path,
      params: [...endpoint.path.matchAll(/:(\w+)/g)].map((match) => match[1]!),
      authenticated: [...middleware].some((service) => service.key === Auth.Authentication.key),
      endpoint,
    }),
})

const fill = (route: Route, ids: Tenant) =>
  route.path.replace(/:(\w+)/g, (_, param: string) => {
    const id = ids[param]
    if (id === undefined)
      throw new Error(`the tenancy matrix cannot fill :${param} of ${route.name}: add it to tenant()`)
    return id
  })

/** Bodies for routes whose schema has a rule random generation does not hit (e.g. an email address's shape). */
const examples: Record<string, unknown> = {
  // a binary body (a folder's gzipped tar): any bytes reach authorization, sent as the archive type it declares
  "POST /v1/services/{serviceId}/sources": "not really an archive",
  "POST /v1/workspaces/{workspaceId}/invitations": { email: "someone@example.com", role: "developer" },
  "POST /v1/workspaces/{workspaceId}/projects": { name: "matrix" },
  "POST /v1/projects/{projectId}/environments": { name: "matrix" },
  "POST /v1/projects/{projectId}/var-groups": { name: "matrix" },
  "POST /v1/environments/{environmentId}/services": {
    name: "matrix",
    type: "worker",
    source: { type: "image", imageRef: "ghcr.io/acme/worker:1" },
  },
}

/** A body the route's schema accepts (so the request reaches authorization), generated from that schema. */
const bodyFor = (route: Route): unknown => {
  const [payload] = route.endpoint.payload.values()
  if (payload === undefined) return undefined
  if (route.name in examples) return examples[route.name]
  const schema = payload.schemas[0] as Schema.Top & {
    readonly DecodingServices: never
    readonly EncodingServices: never
  }
  const codec = Schema.toCodecJson(schema)
  const samples = Effect.runSync(
    Arbitrary.sampleEffect(Arbitrary.schema(schema), { count: 50, seed: route.name }).pipe(
      Effect.orElseSucceed(() => []),
    ),
  )
  for (const sample of samples) {
    try {
      const encoded = Schema.encodeUnknownSync(codec)(sample)
      Schema.decodeUnknownSync(codec)(encoded)
      return encoded
    } catch {}
  }
  throw new Error(`the tenancy matrix cannot make a valid body for ${route.name}: add one to examples`)
}

const scoped = routes.filter((route) => route.authenticated && route.params.length > 0)
const mutating = (route: Route) => route.method !== "GET"

layer(TestDatabase.layer)("the tenancy matrix", (it) => {
  it("every authenticated route names a tenant's resource, or is listed with the reason it does not", () => {
    const unscoped = routes.filter((route) => route.authenticated && route.params.length === 0).map((r) => r.name)
    expect(unscoped.sort()).toEqual(Object.keys(notTenantScoped).sort())
    expect(scoped.length).toBeGreaterThan(40)
  })

  it.effect("another workspace's ids answer 404 exactly like missing ones; a viewer's writes answer 403", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const { baseUrl } = yield* Harness.start({
        budgets: {
          api: { capacity: 100_000, refillPerMinute: 100_000 },
          login: { capacity: 1000, refillPerMinute: 1000 },
        },
      })
      const api = Harness.client(baseUrl)
      const alice = yield* Harness.signup(api, "Alice")
      const bob = yield* Harness.signup(api, "Bob")
      const victor = yield* Harness.signup(api, "Victor")
      const aliceWorkspace = yield* Harness.workspace(api, alice.token, "Alice's")
      const bobWorkspace = yield* Harness.workspace(api, bob.token, "Bob's")
      yield* sql`INSERT INTO workspace_members ${sql.insert({ workspaceId: aliceWorkspace, userId: victor.userId, role: "viewer" })}`
      const mine = yield* tenant(aliceWorkspace, alice.userId)
      const theirs = yield* tenant(bobWorkspace, bob.userId)

      const call = (route: Route, ids: Tenant, token: string) =>
        Harness.request(baseUrl, route.method, fill(route, ids), {
          token,
          ...(mutating(route) && route.endpoint.payload.size > 0 ? { body: bodyFor(route) } : {}),
          ...(route.endpoint.payload.has("application/gzip")
            ? { headers: { "content-type": "application/gzip" } }
            : {}),
        })

      const leaks: Array<string> = []
      for (const route of scoped) {
        const crossed = yield* call(route, theirs, alice.token)
        const absent = yield* call(route, missing, alice.token)
        const masked = (body: unknown, ids: Tenant) =>
          Object.values(ids).reduce((text, id) => text.split(id).join("<id>"), JSON.stringify(body))
        if (crossed.status !== 404 || crossed.body?.code !== "not_found") {
          leaks.push(`${route.name} with another workspace's ids: ${crossed.status} ${JSON.stringify(crossed.body)}`)
        } else if (masked(crossed.body, theirs) !== masked(absent.body, missing) || absent.status !== 404) {
          leaks.push(`${route.name}: another workspace's id reads differently from a missing one`)
        }
        if (mutating(route) && !route.params.some((param) => personal.has(param))) {
          const viewed = yield* call(route, mine, victor.token)
          if (viewed.status !== 403 || viewed.body?.code !== "forbidden") {
            leaks.push(`${route.name} by a viewer: ${viewed.status} ${JSON.stringify(viewed.body)}`)
          }
        }
      }
      expect(leaks).toEqual([])

      // Nothing of Bob's was changed by any of it.
      const [bobs] = yield* sql<{
        n: number
      }>`SELECT count(*)::int AS n FROM projects WHERE workspace_id = ${bobWorkspace}`
      expect(bobs!.n).toBe(1)
      expect((yield* api.get(`/v1/workspaces/${bobWorkspace}`, bob.token)).body.name).toBe("Bob's")
    }).pipe(Effect.scoped),
  )
})
