import { Ids } from "@starform/domain"
import { Option } from "effect"
import { AsyncResult } from "effect/reactivity"
import type * as React from "react"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import * as Session from "../api/Session.ts"
import { useAtomRun, useAtomValue } from "../atom/Hooks.ts"
import { Link, navigate } from "./Router.tsx"

export const workspacesKey = "workspaces"

/** The frame of every signed-in page: the workspace switcher, "new workspace", and sign out. */
export const Shell = ({
  workspaceId,
  projectId,
  children,
}: {
  /** The workspace the page is in, when it is in one. */
  readonly workspaceId?: string | undefined
  /** Or the project it is in: its workspace is then the current one. */
  readonly projectId?: string | undefined
  readonly children: React.ReactNode
}) =>
  workspaceId === undefined && projectId !== undefined ? (
    <ShellOfProject projectId={projectId}>{children}</ShellOfProject>
  ) : (
    <Frame workspaceId={workspaceId}>{children}</Frame>
  )

const ShellOfProject = ({
  projectId,
  children,
}: {
  readonly projectId: string
  readonly children: React.ReactNode
}) => {
  const id = Input.idFrom(Ids.ProjectId, projectId)
  return Option.isSome(id) ? (
    <ProjectFrame projectId={id.value}>{children}</ProjectFrame>
  ) : (
    <Frame workspaceId={undefined}>{children}</Frame>
  )
}

const ProjectFrame = ({
  projectId,
  children,
}: {
  readonly projectId: Ids.ProjectId
  readonly children: React.ReactNode
}) => {
  const project = useAtomValue(Api.query("projects", "getProject", { params: { projectId } }))
  return <Frame workspaceId={AsyncResult.isSuccess(project) ? project.value.workspaceId : undefined}>{children}</Frame>
}

const Frame = ({
  workspaceId,
  children,
}: {
  readonly workspaceId: string | undefined
  readonly children: React.ReactNode
}) => {
  const workspaces = useAtomValue(Api.query("workspaces", "listWorkspaces", { reactivityKeys: [workspacesKey] }))
  const logout = useAtomRun(Api.mutation("me", "logout"))
  const signOut = () => {
    void logout({}).finally(() => {
      Session.clear()
      navigate("/signin")
    })
  }
  const list = AsyncResult.isSuccess(workspaces) ? workspaces.value : []
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <nav aria-label="Main">
          <Link to="/" className="brand">
            Starform
          </Link>
          <label className="switcher">
            <span className="visually-hidden">Workspace</span>
            <select
              value={workspaceId ?? ""}
              onChange={(event) => event.target.value !== "" && navigate(`/w/${event.target.value}`)}
            >
              {workspaceId === undefined || !list.some((w) => w.id === workspaceId) ? (
                <option value={workspaceId ?? ""}>Choose a workspace</option>
              ) : null}
              {list.map((workspace) => (
                <option key={workspace.id} value={workspace.id}>
                  {workspace.name}
                </option>
              ))}
            </select>
          </label>
          {workspaceId !== undefined && <Link to={`/w/${workspaceId}/settings`}>Settings</Link>}
          <Link to="/workspaces/new">New workspace</Link>
          <Link to="/account">Account</Link>
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </nav>
      </header>
      <main id="main">{children}</main>
    </>
  )
}
