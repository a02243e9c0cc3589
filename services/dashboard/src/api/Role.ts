import type { Identity, Ids, WorkspacesApi } from "@starform/domain"
import { AsyncResult, Atom } from "effect/reactivity"
import { useAtomValue } from "../atom/Hooks.ts"
import { Api } from "./Client.ts"

/**
 * The signed-in person's role in a workspace (from `GET /v1/me/memberships`), so a page offers only what the
 * person may do: a viewer sees no button that the API would refuse. The API still decides every request.
 */

export const membershipsKey = "memberships"

export type Role = Identity.WorkspaceRole

/** The role, or undefined while it loads (or when the person is not a member: the page then shows "not found"). */
export const useWorkspaceRole = (workspaceId: string | undefined): Role | undefined => {
  const memberships = useAtomValue(Api.query("me", "listMemberships", { reactivityKeys: [membershipsKey] }))
  if (workspaceId === undefined || !AsyncResult.isSuccess(memberships)) return undefined
  return memberships.value.find((m) => m.workspaceId === workspaceId)?.role
}

/** A query not asked (the answer is not needed). */
const notAsked: Atom.Atom<AsyncResult.AsyncResult<never, never>> = Atom.make(AsyncResult.initial())

const rank: Record<Role, number> = { viewer: 0, developer: 1, admin: 2, owner: 3 }

/**
 * The person's power inside one project: the higher of their workspace role and their role in the project (a
 * workspace viewer may be a developer of one project).
 */
export const useProjectRole = (workspaceId: string | undefined, projectId: Ids.ProjectId): Role | undefined => {
  const workspaceRole = useWorkspaceRole(workspaceId)
  // Only a workspace viewer can be raised by a project role: nobody else pays for the two extra requests.
  const viewer = workspaceRole === "viewer"
  const meAtom: Atom.Atom<AsyncResult.AsyncResult<Identity.User, unknown>> = viewer
    ? Api.query("me", "getMe", {})
    : notAsked
  const membersAtom: Atom.Atom<AsyncResult.AsyncResult<ReadonlyArray<WorkspacesApi.ProjectMemberInfo>, unknown>> =
    viewer ? Api.query("workspaces", "listProjectMembers", { params: { projectId } }) : notAsked
  const me = useAtomValue(meAtom)
  const members = useAtomValue(membersAtom)
  if (workspaceRole === undefined) return undefined
  if (workspaceRole !== "viewer" || !AsyncResult.isSuccess(me) || !AsyncResult.isSuccess(members)) return workspaceRole
  const own = members.value.find((m) => m.userId === me.value.id)?.role
  return own !== undefined && rank[own] > rank[workspaceRole] ? own : workspaceRole
}

/** What each role may change here, mirroring the identity service's policy table. */
export const can = {
  /** Create projects, services, deploy, edit variables. */
  build: (role: Role | undefined) => role === "owner" || role === "admin" || role === "developer",
  /** Invite, change roles, remove members. */
  manageMembers: (role: Role | undefined) => role === "owner" || role === "admin",
  /** See, create and revoke API tokens. */
  tokens: (role: Role | undefined) => role === "owner" || role === "admin" || role === "developer",
  /** Read the audit log. */
  audit: (role: Role | undefined) => role === "owner" || role === "admin",
} as const
