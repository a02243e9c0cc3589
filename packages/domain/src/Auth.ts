import { Context, Effect, Schema } from "effect"
import { HttpApiMiddleware, HttpApiSecurity, OpenApi } from "effect/http-api"
import { Forbidden, NotFound, RateLimited, Unauthenticated } from "./ApiErrors.ts"
import type { locatableKinds } from "./BuildsRpc.ts"
import type { Locatable as IdentityLocatable } from "./IdentityRpc.ts"
import { ApiTokenId, ProjectId, SessionId, UserId, WorkspaceId } from "./Ids.ts"
import type { ResourceKind } from "./ProjectsRpc.ts"

/**
 * Who is calling and what they may do. Every authenticated request carries an `Actor` (`CurrentActor`); before a
 * handler touches anything, the `Authorizer` decides whether that actor may perform one `Action` on a workspace (and
 * project). An endpoint declares which action and where its tenant comes from with `requires` (a `Permission`
 * annotation); the `Authorization` middleware resolves the tenant from the resource, never from the client, and
 * asks the `Authorizer`.
 */

export {
  Conflict,
  FieldError,
  Forbidden,
  Internal,
  NotFound,
  RateLimited,
  Unauthenticated,
  ValidationFailed,
} from "./ApiErrors.ts"

/** Every action the API authorizes, as `<resource>.<verb>`. Audit entries use the same names. */
export const actions = [
  "workspace.read",
  "workspace.update",
  "workspace.delete",
  "member.read",
  "member.invite",
  "member.update",
  "member.remove",
  "token.read",
  "token.create",
  "token.revoke",
  "service_account.read",
  "service_account.create",
  "service_account.delete",
  "audit.read",
  "billing.read",
  "billing.manage",
  "project.create",
  "project.read",
  "project.update",
  "project.delete",
  "environment.create",
  "environment.read",
  "environment.update",
  "environment.delete",
  "service.create",
  "service.read",
  "service.update",
  "service.delete",
  "deployment.create",
  "deployment.read",
  "deployment.rollback",
  "deployment.cancel",
  "build.read",
  "build.cancel",
  "variable.read",
  "variable.write",
  "variable.reveal",
  "domain.create",
  "domain.read",
  "domain.update",
  "domain.delete",
  "volume.create",
  "volume.read",
  "volume.update",
  "volume.delete",
  "bucket.create",
  "bucket.read",
  "bucket.update",
  "bucket.delete",
  "database.create",
  "database.read",
  "database.update",
  "database.delete",
  "integration.read",
  "integration.manage",
  "log.read",
  "metric.read",
] as const

export type Action = (typeof actions)[number]
export const Action = Schema.Literals(actions).annotate({
  message: "must be one of the actions of the API, e.g. project.read or deployment.create",
  rule: "one-of",
})

/** Actions that only read: a viewer's whole world, and the `read_only` token preset. `variable.reveal` is not one. */
export const readActions: ReadonlyArray<Action> = actions.filter((action) => /\.read$/.test(action))

/**
 * Named permission sets for API tokens and service accounts. A token's `scopes` are preset names or single actions;
 * its permissions are their union. Presets expand at check time, so a new `*.read` action reaches old read-only tokens.
 */
export const permissionPresets = {
  read_only: readActions,
  deploy: [
    ...readActions,
    "deployment.create",
    "deployment.rollback",
    "deployment.cancel",
    "build.cancel",
  ] as ReadonlyArray<Action>,
} as const

export type PermissionPreset = keyof typeof permissionPresets
export const presetNames = Object.keys(permissionPresets) as ReadonlyArray<PermissionPreset>

/** A token scope: a preset name or one action. */
export const TokenScope = Schema.Literals([...presetNames, ...actions]).annotate({
  message: `must be a permission preset (${presetNames.join(", ")}) or an action such as deployment.create`,
  rule: "one-of",
})
export type TokenScope = typeof TokenScope.Type

/** The actions a list of scopes grants. */
export const permissionsOf = (scopes: ReadonlyArray<string>): ReadonlyArray<Action> => {
  const granted = new Set<Action>()
  for (const scope of scopes) {
    const preset = (permissionPresets as Record<string, ReadonlyArray<Action> | undefined>)[scope]
    if (preset !== undefined) for (const action of preset) granted.add(action)
    else if ((actions as ReadonlyArray<string>).includes(scope)) granted.add(scope as Action)
  }
  return actions.filter((action) => granted.has(action))
}

export const actorKinds = ["user", "api_token", "service_account"] as const
export const ActorKind = Schema.Literals(actorKinds)
export type ActorKind = typeof ActorKind.Type

/** Where a token may act: one workspace, and within it one project or (null) all of them. */
export class ActorScope extends Schema.Class<ActorScope>("ActorScope")({
  workspaceId: WorkspaceId,
  projectId: Schema.NullOr(ProjectId),
}) {}

/**
 * The authenticated caller. A person (`user`) acts through their memberships and roles; an API token or a service
 * account's token carries a fixed `scope` and `permissions` and may never leave them.
 */
export class Actor extends Schema.Class<Actor>("Actor")({
  kind: ActorKind,
  /** The user, API token or service-account id: what audit entries name as the actor. */
  id: Schema.String,
  /** The person behind a `user` actor. */
  userId: Schema.NullOr(UserId),
  /** The signed-in session a `user` actor's access token belongs to. */
  sessionId: Schema.NullOr(SessionId),
  /** The token a token or service-account actor presented. */
  tokenId: Schema.NullOr(ApiTokenId),
  /** Null for a person, whose memberships decide; a token's workspace and optional project. */
  scope: Schema.NullOr(ActorScope),
  /** Null for a person, whose roles decide; a token's granted actions. */
  permissions: Schema.NullOr(Schema.Array(Action)),
}) {
  get isUser(): boolean {
    return this.kind === "user"
  }
}

/**
 * The refusal a token or service account gets on a route only a person can use (their own account, its MFA, its
 * export, signing out): it is authenticated, so not 401, and it acts for a workspace with no account of its own.
 */
export const personOnly = (doing: string) =>
  new Forbidden({
    message: `Sign in as a person to ${doing}: an API token or a service account acts for a workspace and has no account of its own.`,
  })

/** The caller of the request being handled, provided by `Authentication`. */
export class CurrentActor extends Context.Service<CurrentActor, Actor>()("starform/CurrentActor") {}

/** What an action is done to: the tenant the handler resolved from the resource, never from the client. */
export interface Target {
  readonly workspaceId: WorkspaceId
  readonly projectId?: ProjectId | null | undefined
  /** How to word a 404 (e.g. `{ type: "project", id }`), so another tenant's resource reads exactly like a missing one. */
  readonly resource?: { readonly type: string; readonly id: string } | undefined
}

/**
 * Decides whether an actor may perform an action on a target. Fails with `NotFound` when the actor cannot see the
 * target at all (not a member, a token of another workspace or project), `Forbidden` when it can see it but its
 * role or permissions do not allow the action.
 */
export class Authorizer extends Context.Service<
  Authorizer,
  {
    readonly authorize: (actor: Actor, action: Action, target: Target) => Effect.Effect<void, Forbidden | NotFound>
  }
>()("starform/Authorizer") {}

/**
 * Authenticates `Authorization: Bearer <token>` — a JWT access token from sign-in or an API token (`sf_…`) — and
 * provides `CurrentActor` and the `Authorizer` to the handlers of the groups that use it; answers 401 when the token is
 * missing, expired, revoked or forged, and 429 when the actor is over its request budget.
 */
export class Authentication extends HttpApiMiddleware.Service<
  Authentication,
  { provides: CurrentActor | Authorizer }
>()("starform/Authentication", {
  security: { bearer: HttpApiSecurity.bearer },
  error: [Unauthenticated, RateLimited],
}) {}

/** Authorizes the current request's actor: `yield* Auth.authorize("project.read", { workspaceId, projectId })`. */
export const authorize = (
  action: Action,
  target: Target,
): Effect.Effect<void, Forbidden | NotFound, Authorizer | CurrentActor> =>
  Effect.gen(function* () {
    const actor = yield* CurrentActor
    const authorizer = yield* Authorizer
    yield* authorizer.authorize(actor, action, target)
  })

/**
 * Where an endpoint's tenant is read from: the workspace named by a path parameter, or the resource a path
 * parameter names, located by the service that owns it (`Locate` of the projects, builds or identity service).
 */
export type TenantSource =
  | { readonly from: "workspace"; readonly param: string }
  | { readonly from: "projects"; readonly kind: ResourceKind; readonly param: string }
  | { readonly from: "builds"; readonly kind: (typeof locatableKinds)[number]; readonly param: string }
  | { readonly from: "identity"; readonly kind: IdentityLocatable; readonly param: string }

/** The workspace in path parameter `param` (default `workspaceId`). */
export const inWorkspace = (param = "workspaceId"): TenantSource => ({ from: "workspace", param })

/** The projects service's resource `kind` whose id is path parameter `param`. */
export const ofResource = (kind: ResourceKind, param: string): TenantSource => ({ from: "projects", kind, param })

/** The builds service's resource `kind` (a build, a GitHub installation) whose id is path parameter `param`. */
export const ofBuildsResource = (kind: (typeof locatableKinds)[number], param: string): TenantSource => ({
  from: "builds",
  kind,
  param,
})

/** Identity's resource `kind` (an invitation, an API token, a service account) whose id is path parameter `param`. */
export const ofIdentityResource = (kind: IdentityLocatable, param: string): TenantSource => ({
  from: "identity",
  kind,
  param,
})

/**
 * What an endpoint's action is aimed at when that is not its tenant: e.g. a member (`{ type: "member", param:
 * "userId" }`) of the workspace in the path. A 404 and the audit trail name it instead of the workspace.
 */
export interface Aim {
  readonly type: string
  readonly param: string
}

/** What an endpoint requires: one action, decided on the tenant `tenant` names (aimed at `aim`, if given). */
export interface Permission {
  readonly action: Action
  readonly tenant: TenantSource
  readonly aim?: Aim | undefined
}

/** The `Permission` annotation of an endpoint, read by the `Authorization` middleware. */
export class RequiredPermission extends Context.Service<RequiredPermission, Permission>()(
  "starform/Auth/RequiredPermission",
) {}

/**
 * Declares an endpoint's authorization, once, in the contract: `.annotateMerge(Auth.requires("deployment.create",
 * Auth.ofResource("service", "serviceId")))`. The OpenAPI document shows it as `x-starform-permission` (the action)
 * and `x-starform-tenant` (where the tenant is read from).
 */
export const requires = (action: Action, tenant: TenantSource, aim?: Aim) =>
  Context.make(RequiredPermission, { action, tenant, aim }).pipe(
    Context.add(OpenApi.Override, {
      "x-starform-permission": action,
      "x-starform-tenant":
        tenant.from === "workspace" ? `workspace :${tenant.param}` : `${tenant.kind} :${tenant.param}`,
    }),
  )

/** Why an authenticated endpoint names no tenant (it creates one, or lists only the caller's own). */
export class Tenantless extends Context.Service<Tenantless, { readonly reason: string }>()(
  "starform/Auth/Tenantless",
) {}

/**
 * Declares that an authenticated endpoint acts on no tenant, and why: its handler decides from the actor alone. It is
 * added to its group after `.middleware(Authorization)` (which refuses to start with one behind it, having no tenant to
 * give it). The OpenAPI document shows `x-starform-tenant: none` and the reason as `x-starform-tenantless`.
 */
export const tenantless = (reason: string) =>
  Context.make(Tenantless, { reason }).pipe(
    Context.add(OpenApi.Override, { "x-starform-tenant": "none", "x-starform-tenantless": reason }),
  )

/** Where the request's resource lives, as `Authorization` located it: for handlers that need its workspace. */
export class CurrentTenant extends Context.Service<
  CurrentTenant,
  { readonly workspaceId: WorkspaceId; readonly projectId: ProjectId | null }
>()("starform/CurrentTenant") {}

/**
 * Authorizes each request by its endpoint's `RequiredPermission`: locates the tenant, asks the `Authorizer`, and
 * gives the handler `CurrentTenant`. A resource of a workspace the caller cannot see answers 404 exactly like a
 * missing one. Goes inside `Authentication` (add it to a group first), which provides the actor and `Authorizer`.
 */
export class Authorization extends HttpApiMiddleware.Service<
  Authorization,
  { provides: CurrentTenant; requires: CurrentActor | Authorizer }
>()("starform/Authorization", { error: [Forbidden, NotFound] }) {}
