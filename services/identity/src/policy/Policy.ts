import { Auth, type Identity } from "@starform/domain"

/**
 * The one authorization policy: which role may perform which action. A person's power in a workspace is their
 * workspace role; inside a project it is the higher of that and their project role. API tokens and service
 * accounts carry a fixed scope and permission set instead (see `decide`).
 */

type Action = Auth.Action
type WorkspaceRole = Identity.WorkspaceRole
type ProjectRole = Identity.ProjectRole

/** Actions about the workspace itself: decided by the workspace role alone, never by a project role. */
export const workspaceActions: ReadonlySet<Action> = new Set<Action>([
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
  "integration.manage",
])

const all = new Set<Action>(Auth.actions)
const except = (excluded: ReadonlyArray<Action>) => new Set(Auth.actions.filter((a) => !excluded.includes(a)))

const viewer = new Set<Action>(
  Auth.readActions.filter(
    (action) => !["audit.read", "billing.read", "token.read", "service_account.read"].includes(action),
  ),
)

const developer = new Set<Action>([
  ...viewer,
  "token.read",
  "token.create",
  "token.revoke",
  "service_account.read",
  "project.create",
  "environment.create",
  "environment.update",
  "environment.delete",
  "service.create",
  "service.update",
  "service.delete",
  "deployment.create",
  "deployment.rollback",
  "deployment.cancel",
  "build.cancel",
  "variable.write",
  "variable.reveal",
  "domain.create",
  "domain.update",
  "domain.delete",
  "volume.create",
  "volume.update",
  "volume.delete",
  "bucket.create",
  "bucket.update",
  "bucket.delete",
  "database.create",
  "database.update",
  "database.delete",
])

/** The policy table: every action each role may perform. */
export const policy: { readonly [R in WorkspaceRole]: ReadonlySet<Action> } = {
  owner: all,
  admin: except(["workspace.delete", "billing.manage"]),
  developer,
  viewer,
}

const rank: { readonly [R in WorkspaceRole]: number } = { viewer: 0, developer: 1, admin: 2, owner: 3 }

/** The role that counts for `action`: the workspace role, raised by a project role for actions inside a project. */
export const effectiveRole = (
  workspaceRole: WorkspaceRole,
  projectRole: ProjectRole | null,
  action: Action,
  inProject: boolean,
): WorkspaceRole =>
  inProject && projectRole !== null && !workspaceActions.has(action) && rank[projectRole] > rank[workspaceRole]
    ? projectRole
    : workspaceRole

/** Whether `role` may perform `action`. */
export const allows = (role: WorkspaceRole, action: Action): boolean => policy[role].has(action)

/** Roles that may grant `role` to someone: only owners make owners. */
export const mayGrant = (granter: WorkspaceRole, role: WorkspaceRole): boolean =>
  granter === "owner" || (granter === "admin" && role !== "owner")

export type Decision = "allowed" | "forbidden" | "not_found" | "unauthenticated" | "unverified"

/** Actions that start a rollout: allowed only to a verified email address (trial abuse), see `Access.authorize`. */
const deployActions: ReadonlySet<Action> = new Set<Action>(["deployment.create", "deployment.rollback"])

export const needsVerifiedEmail = (action: Action): boolean => deployActions.has(action)

/** What a person's memberships say about one action on one target. */
export interface Membership {
  /** Null: not a member of the workspace, so the target does not exist for them. */
  readonly workspaceRole: WorkspaceRole | null
  readonly projectRole: ProjectRole | null
}

export const decideForPerson = (membership: Membership, action: Action, projectId: string | null): Decision => {
  if (membership.workspaceRole === null) return "not_found"
  const role = effectiveRole(membership.workspaceRole, membership.projectRole, action, projectId !== null)
  return allows(role, action) ? "allowed" : "forbidden"
}

/** Token scopes: their own workspace only; a project token only its project (and reading its workspace). */
export const decideForToken = (
  scope: { readonly workspaceId: string; readonly projectId: string | null },
  permissions: ReadonlyArray<Action>,
  action: Action,
  target: { readonly workspaceId: string; readonly projectId: string | null },
): Decision => {
  if (scope.workspaceId !== target.workspaceId) return "not_found"
  if (scope.projectId !== null) {
    if (target.projectId !== null && target.projectId !== scope.projectId) return "not_found"
    if (target.projectId === null && action !== "workspace.read") return "forbidden"
  }
  return permissions.includes(action) ? "allowed" : "forbidden"
}
