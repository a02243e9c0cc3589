import { WorkspacesApi } from "@starform/domain"
import { Exit } from "effect"
import { AsyncResult } from "effect/reactivity"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import * as Problems from "../api/Problems.ts"
import { useAtomRun, useAtomValue } from "../atom/Hooks.ts"
import { Field, FormError, text, useSubmit } from "../ui/Form.tsx"
import { navigate, Redirect } from "../ui/Router.tsx"
import { Shell, workspacesKey } from "../ui/Shell.tsx"

/** `/`: the first workspace's projects, or the form for a first workspace. */
export const Home = () => {
  const workspaces = useAtomValue(Api.query("workspaces", "listWorkspaces", { reactivityKeys: [workspacesKey] }))
  if (!AsyncResult.isSuccess(workspaces)) {
    return (
      <Shell>
        <p className="muted" aria-busy="true">
          Loading…
        </p>
      </Shell>
    )
  }
  const first = workspaces.value[0]
  return <Redirect to={first === undefined ? "/workspaces/new" : `/w/${first.id}`} />
}

/** `/workspaces/new`: a workspace (its creator is its owner). */
export const NewWorkspace = () => {
  const create = useAtomRun(Api.mutation("workspaces", "createWorkspace"))
  const form = useSubmit(async (data) => {
    const payload = Input.decode(WorkspacesApi.CreateWorkspaceRequest, { name: text(data, "name") })
    if (!payload.ok) return payload.problem
    const exit = await create({ payload: payload.value, reactivityKeys: [workspacesKey] })
    if (Exit.isSuccess(exit)) navigate(`/w/${exit.value.id}`)
    return Problems.fromExit(exit)
  })
  return (
    <Shell>
      <h1>New workspace</h1>
      <p className="muted">A workspace holds projects and the people who work on them; billing is per workspace.</p>
      <form onSubmit={form.onSubmit} noValidate className="narrow">
        <Field label="Workspace name" name="name" required problem={form.problem} />
        <FormError problem={form.problem} />
        <button type="submit" disabled={form.busy}>
          {form.busy ? "Creating…" : "Create workspace"}
        </button>
      </form>
    </Shell>
  )
}
