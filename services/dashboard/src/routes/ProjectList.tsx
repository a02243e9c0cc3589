import { Ids, ProjectsApi } from "@starform/domain"
import { Exit, Option } from "effect"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import * as Problems from "../api/Problems.ts"
import { can, useWorkspaceRole } from "../api/Role.ts"
import { useAtomRun, useAtomValue } from "../atom/Hooks.ts"
import { Field, FormError, text, useSubmit } from "../ui/Form.tsx"
import { Loaded, NotFound } from "../ui/Loaded.tsx"
import { Link, navigate } from "../ui/Router.tsx"
import { Shell } from "../ui/Shell.tsx"

export const projectsKey = (workspaceId: string) => `projects:${workspaceId}`

/** `/w/:workspaceId`: the workspace's projects, and a new one. */
export const ProjectList = ({ workspaceId: raw }: { readonly workspaceId: string }) => {
  const workspaceId = Input.idFrom(Ids.WorkspaceId, raw)
  return (
    <Shell workspaceId={raw}>
      {Option.isSome(workspaceId) ? <Projects workspaceId={workspaceId.value} /> : <NotFound />}
    </Shell>
  )
}

const Projects = ({ workspaceId }: { readonly workspaceId: Ids.WorkspaceId }) => {
  const projects = useAtomValue(
    Api.query("projects", "listProjects", { params: { workspaceId }, reactivityKeys: [projectsKey(workspaceId)] }),
  )
  const create = useAtomRun(Api.mutation("projects", "createProject"))
  const builder = can.build(useWorkspaceRole(workspaceId))
  const form = useSubmit(async (data) => {
    const payload = Input.decode(ProjectsApi.CreateProjectRequest, { name: text(data, "name") })
    if (!payload.ok) return payload.problem
    const exit = await create({
      params: { workspaceId },
      payload: payload.value,
      reactivityKeys: [projectsKey(workspaceId)],
    })
    if (Exit.isSuccess(exit)) navigate(`/p/${exit.value.id}`)
    return Problems.fromExit(exit)
  })
  return (
    <Loaded result={projects}>
      {(list) => (
        <>
          <h1>Projects</h1>
          {list.length === 0 ? (
            <p className="muted">No projects yet: create the first one below.</p>
          ) : (
            <ul className="cards">
              {list.map((project) => (
                <li key={project.id} className="card">
                  <Link to={`/p/${project.id}`}>
                    <strong>{project.name}</strong>
                  </Link>
                  {project.description !== null && <p className="muted">{project.description}</p>}
                </li>
              ))}
            </ul>
          )}
          {builder && (
            <>
              <h2>New project</h2>
              <form onSubmit={form.onSubmit} noValidate className="narrow">
                <Field
                  label="Project name"
                  name="name"
                  required
                  problem={form.problem}
                  hint="Lower-case letters, digits and '-', e.g. my-app."
                />
                <FormError problem={form.problem} />
                <button type="submit" disabled={form.busy}>
                  {form.busy ? "Creating…" : "Create project"}
                </button>
              </form>
            </>
          )}
        </>
      )}
    </Loaded>
  )
}
