import { Auth, type ProjectsRpc } from "@starform/domain"
import { Effect, Option } from "effect"
import { HttpServerRequest } from "effect/http"
import { call, type ProjectsClient } from "./ProjectsClient.ts"

/**
 * How every projects handler decides: the tenant is read from the resource (the projects service's `Locate`),
 * never from the client, then the `Authorizer` decides on that workspace and project. A resource of a workspace
 * the caller cannot see answers 404 exactly like a missing one.
 */

const words: Record<ProjectsRpc.ResourceKind, string> = {
  project: "project",
  environment: "environment",
  service: "service",
  deployment: "deployment",
  varGroup: "var group",
}

/** Authorizes `action` on the resource `kind`/`id`; returns where it lives. */
export const guard = (
  projects: ProjectsClient["Service"],
  action: Auth.Action,
  kind: ProjectsRpc.ResourceKind,
  id: string,
) =>
  Effect.gen(function* () {
    const tenant = yield* call(projects.Locate({ kind, id }))
    yield* Auth.authorize(action, {
      workspaceId: tenant.workspaceId,
      projectId: tenant.projectId,
      resource: { type: words[kind], id },
    })
    return tenant
  })

/** Authorizes `action` on a workspace named in the path. */
export const guardWorkspace = (action: Auth.Action, workspaceId: ProjectsRpc.Tenant["workspaceId"]) =>
  Auth.authorize(action, { workspaceId, resource: { type: "workspace", id: workspaceId } })

/** Who is acting, for `created_by` and the audit log. */
export const acting = Effect.gen(function* () {
  const actor = yield* Auth.CurrentActor
  const request = yield* Effect.serviceOption(HttpServerRequest.HttpServerRequest)
  return {
    type: actor.kind,
    id: actor.id,
    userId: actor.userId,
    ip: Option.match(request, { onNone: () => null, onSome: (r) => Option.getOrNull(r.remoteAddress) }),
    userAgent: Option.match(request, { onNone: () => null, onSome: (r) => r.headers["user-agent"] ?? null }),
  } satisfies ProjectsRpc.ActingUser
})
