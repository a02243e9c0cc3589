import { ApiErrors, type Ids, WorkspacesApi } from "@starform/domain"
import { Effect } from "effect"
import { call, type ProjectsClient } from "../projects/ProjectsClient.ts"

/**
 * What the identity handlers need to know about projects, asked of the projects service (identity never reads its
 * tables): which workspace a project is in, and whether a workspace still has projects.
 */

type Projects = ProjectsClient["Service"]

/** The workspace `projectId` is in; a project that does not exist is a 404. */
export const workspaceOf = (projects: Projects, projectId: Ids.ProjectId) =>
  Effect.map(call(projects.Locate({ kind: "project", id: projectId })), (tenant) => tenant.workspaceId)

/** Nothing, when `projectId` is absent or a project of `workspaceId`; otherwise the 404 of a missing project. */
export const requireIn = (projects: Projects, workspaceId: Ids.WorkspaceId, projectId: Ids.ProjectId | null) =>
  projectId === null
    ? Effect.void
    : workspaceOf(projects, projectId).pipe(
        Effect.filterOrFail(
          (owner) => owner === workspaceId,
          () => ApiErrors.NotFound.of("project", projectId),
        ),
        Effect.asVoid,
      )

/** How many projects `workspaceId` has. */
export const countIn = (projects: Projects, workspaceId: Ids.WorkspaceId) =>
  Effect.map(call(projects.ListProjects({ workspaceId })), (list) => list.length)

/**
 * Refuses (409) while `workspaceId` has projects: they are deleted through the projects service, which takes down what
 * they run first. A project created between this check and the workspace's deletion is deleted with it (the foreign
 * key `projects_workspace_fk` cascades), and one created after it is refused (`projects_workspace_fk` again, as a 404
 * of the workspace): such a project is moments old and has nothing deployed yet, so nothing is left running.
 */
export const refuseWhileAny = (projects: Projects, workspaceId: Ids.WorkspaceId) =>
  Effect.flatMap(countIn(projects, workspaceId), (count) =>
    count > 0 ? Effect.fail(WorkspacesApi.stillHasProjects(count)) : Effect.void,
  )

/** How many projects each of `workspaceIds` has, for identity to refuse deleting one that still has any. */
export const countsIn = (projects: Projects, workspaceIds: ReadonlyArray<Ids.WorkspaceId>) =>
  Effect.map(
    Effect.forEach(workspaceIds, (workspaceId) => Effect.map(countIn(projects, workspaceId), (n) => [workspaceId, n]), {
      concurrency: 4,
    }),
    (entries): { readonly [workspaceId: string]: number } => Object.fromEntries(entries),
  )
