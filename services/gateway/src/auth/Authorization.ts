import { Auth, type IdentityRpc, type Ids, type ProjectsRpc, PublicApi } from "@starform/domain"
import { Context, Data, Effect, Layer, Schema } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApi, type HttpApiEndpoint, HttpApiError } from "effect/http-api"
import { BuildsClient, call as buildsCall, layerFromUrl as buildsFromUrl } from "../builds/BuildsClient.ts"
import { IdentityClient, call as identityCall } from "../identity/IdentityClient.ts"
import { ProjectsClient, call as projectsCall, layerFromUrl as projectsFromUrl } from "../projects/ProjectsClient.ts"

/**
 * `Auth.Authorization`: the one place a workspace, access, projects, builds or GitHub request is authorized. The
 * endpoint's `Auth.requires` annotation names the action and where the tenant comes from; the tenant is read from the
 * resource (the owning service's `Locate`: one call), never from the client, then the `Authorizer` decides on that workspace
 * and project (which also names the action and target in the audit trail). A resource of a workspace the caller
 * cannot see answers 404 exactly like a missing one. The handler gets `CurrentTenant`.
 */

/** How a 404 and the audit trail name each kind of resource. */
const words: Record<ProjectsRpc.ResourceKind | "build" | "installation" | IdentityRpc.Locatable, string> = {
  project: "project",
  environment: "environment",
  service: "service",
  deployment: "deployment",
  varGroup: "var group",
  build: "build",
  installation: "GitHub installation",
  invitation: "invitation",
  api_token: "API token",
  service_account: "service account",
}

/** What the middleware does for one endpoint, worked out once. */
interface Plan {
  readonly permission: Auth.Permission
  /** The endpoint's own path-parameter decoding: a malformed id answers 400 as it did before authorization. */
  readonly params: (raw: unknown) => Effect.Effect<Readonly<Record<string, unknown>>, Schema.SchemaError>
}

/** Why the gateway refuses to start: an endpoint behind `Authorization` that says nothing of what it requires. */
export class UndeclaredPermission extends Data.TaggedError("UndeclaredPermission")<{ readonly message: string }> {}

/** What `planOf` reads of an endpoint and its group. */
interface Reflected {
  readonly group: { readonly identifier: string; readonly annotations: Context.Context<never> }
  readonly endpoint: {
    readonly name: string
    readonly method: string
    readonly path: string
    readonly params: Schema.Top | undefined
    readonly annotations: Context.Context<never>
  }
}

/** What `Authorization` does for one endpoint of `PublicApi`, or why it refuses to start (exported for its test). */
export const planOf = (group: Reflected["group"], endpoint: Reflected["endpoint"]): Plan | UndeclaredPermission => {
  const permission = Context.getOrUndefined(endpoint.annotations, Auth.RequiredPermission)
  const tenantless = Context.getOrUndefined(endpoint.annotations, Auth.Tenantless)
  const where = `${endpoint.method} ${endpoint.path} (${group.identifier}.${endpoint.name})`
  // A tenantless endpoint has no tenant to give its handler: it goes outside `Authorization` (added to its group after).
  if (tenantless !== undefined) {
    return new UndeclaredPermission({
      message: `${where} is Auth.tenantless (${tenantless.reason}) but behind Authorization, which gives a tenant`,
    })
  }
  if (permission === undefined) {
    return new UndeclaredPermission({
      message: `${where} is behind Authorization but declares no Auth.requires (a route with no tenant is Auth.tenantless, outside Authorization)`,
    })
  }
  for (const param of [permission.tenant.param, ...(permission.aim === undefined ? [] : [permission.aim.param])]) {
    if (!endpoint.path.split("/").includes(`:${param}`)) {
      return new UndeclaredPermission({ message: `${where} reads its tenant or aim from :${param}, not in its path` })
    }
  }
  // The handler's own decoding options (`HttpApi.ParamsParseOptions`, else `ParseOptions`), so errors read the same.
  const annotations = Context.merge(Context.merge(PublicApi.Api.annotations, group.annotations), endpoint.annotations)
  const options =
    Context.getOrUndefined(annotations, HttpApi.ParamsParseOptions) ??
    Context.getOrUndefined(annotations, HttpApi.ParseOptions)
  // Path parameters are strings decoded without services (ids, keys): the contract has no other kind.
  const schema = endpoint.params as Schema.Codec<Readonly<Record<string, unknown>>, unknown> | undefined
  const decode = schema === undefined ? undefined : Schema.decodeUnknownEffect(schema, options)
  return { permission, params: (raw) => (decode === undefined ? Effect.succeed({}) : decode(raw)) }
}

/** Every endpoint of the API behind `Authorization`, planned; fails if one declares no permission. */
const plans = Effect.gen(function* () {
  const plans = new Map<HttpApiEndpoint.Top, Plan>()
  const problems: Array<string> = []
  HttpApi.reflect(PublicApi.Api, {
    onGroup: () => {},
    onEndpoint: ({ group, endpoint, middleware }) => {
      if (![...middleware].some((key) => key.key === Auth.Authorization.key)) return
      const plan = planOf(group, endpoint)
      if (plan instanceof UndeclaredPermission) problems.push(plan.message)
      else plans.set(endpoint, plan)
    },
  })
  if (problems.length > 0) return yield* new UndeclaredPermission({ message: problems.join("; ") })
  return plans
})

export const layer = Layer.effect(
  Auth.Authorization,
  Effect.gen(function* () {
    const planned = yield* plans
    const projects = yield* ProjectsClient
    const builds = yield* BuildsClient
    const identity = yield* IdentityClient

    const locate = (source: Auth.TenantSource, id: string) => {
      switch (source.from) {
        case "workspace":
          return Effect.succeed({
            workspaceId: id as Ids.WorkspaceId,
            projectId: null,
            resource: { type: "workspace", id },
          })
        case "projects":
          return Effect.map(projectsCall(projects.Locate({ kind: source.kind, id })), (tenant) => ({
            ...tenant,
            resource: { type: words[source.kind], id },
          }))
        case "builds":
          return Effect.map(buildsCall(builds.Locate({ kind: source.kind, id })), (tenant) => ({
            ...tenant,
            resource: { type: words[source.kind], id },
          }))
        case "identity":
          return Effect.map(identityCall(identity.Locate({ kind: source.kind, id })), (tenant) => ({
            ...tenant,
            resource: { type: words[source.kind], id },
          }))
      }
    }

    return Auth.Authorization.of((httpEffect, { endpoint }) =>
      Effect.gen(function* () {
        const plan = planned.get(endpoint)
        // Planned at start for every endpoint of the API behind this middleware: another API's would be a wiring bug.
        if (plan === undefined) return yield* Effect.die(new Error(`${endpoint.name}: not an endpoint of PublicApi`))
        const raw = yield* HttpRouter.params
        const params = yield* HttpApiError.HttpApiSchemaError.wrap("Params", plan.params(raw)).pipe(Effect.orDie)
        const { action, tenant: source, aim } = plan.permission
        const tenant = yield* locate(source, String(params[source.param]))
        const resource = aim === undefined ? tenant.resource : { type: aim.type, id: String(params[aim.param]) }
        yield* Auth.authorize(action, { ...tenant, resource })
        return yield* Effect.provideService(httpEffect, Auth.CurrentTenant, {
          workspaceId: tenant.workspaceId,
          projectId: tenant.projectId,
        })
      }),
    )
  }),
).pipe(Layer.provide(projectsFromUrl), Layer.provide(buildsFromUrl))
