import { Ids, type ServicesApi, VariablesApi } from "@starform/domain"
import { Exit, Option } from "effect"
import { AsyncResult } from "effect/reactivity"
import * as React from "react"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import * as Problems from "../api/Problems.ts"
import { can, useProjectRole } from "../api/Role.ts"
import { useAtomRun, useAtomValue } from "../atom/Hooks.ts"
import { Field, FormError, text, useSubmit } from "../ui/Form.tsx"
import { Loaded, NotFound } from "../ui/Loaded.tsx"
import { Shell } from "../ui/Shell.tsx"
import { deploymentsKey } from "./ProjectCanvas.tsx"
import { parseRaw } from "./RawVariables.ts"
import { ServiceHeader, serviceKey } from "./ServicePage.tsx"

export const variablesKey = (serviceId: string) => `variables:${serviceId}`

/** `/s/:serviceId/variables`: the service's variables, masked; reveal, add, edit, delete, or edit them as text. */
export const VariablesPage = ({ serviceId: raw }: { readonly serviceId: string }) => {
  const serviceId = Input.idFrom(Ids.ServiceId, raw)
  if (Option.isNone(serviceId)) {
    return (
      <Shell>
        <NotFound />
      </Shell>
    )
  }
  return <Variables serviceId={serviceId.value} />
}

const Variables = ({ serviceId }: { readonly serviceId: Ids.ServiceId }) => {
  const service = useAtomValue(
    Api.query("services", "getService", { params: { serviceId }, reactivityKeys: [serviceKey(serviceId)] }),
  )
  return (
    <Shell projectId={AsyncResult.isSuccess(service) ? service.value.projectId : undefined}>
      <Loaded result={service}>{(s) => <Editor service={s} />}</Loaded>
    </Shell>
  )
}

const Editor = ({ service }: { readonly service: ServicesApi.ServiceView }) => {
  const keys = [variablesKey(service.id)]
  const variables = useAtomValue(
    Api.query("variables", "listServiceVariables", { params: { serviceId: service.id }, reactivityKeys: keys }),
  )
  const set = useAtomRun(Api.mutation("variables", "setServiceVariables"))
  const remove = useAtomRun(Api.mutation("variables", "deleteServiceVariable"))
  const [changed, setChanged] = React.useState(false)
  const [raw, setRaw] = React.useState<string | undefined>(undefined)
  const project = useAtomValue(Api.query("projects", "getProject", { params: { projectId: service.projectId } }))
  // A viewer reads the keys and masked values; revealing and every change are for developers and up.
  const builder = can.build(
    useProjectRole(AsyncResult.isSuccess(project) ? project.value.workspaceId : undefined, service.projectId),
  )

  const save = async (map: Record<string, string>): Promise<Problems.Problem | undefined> => {
    const payload = Input.decode(VariablesApi.SetVariablesRequest, { variables: map })
    if (!payload.ok) return payload.problem
    const exit = await set({ params: { serviceId: service.id }, payload: payload.value, reactivityKeys: keys })
    if (Exit.isSuccess(exit)) setChanged(true)
    return Problems.fromExit(exit)
  }

  const add = useSubmit(
    async (data) => {
      const problem = await save({ [text(data, "key")]: text(data, "value") })
      return problem === undefined ? undefined : renameField(problem, "key")
    },
    { resetOnSuccess: true },
  )

  const rawForm = useSubmit(async (data) => {
    const parsed = parseRaw(text(data, "raw"))
    if (parsed.problem !== undefined) return parsed.problem
    const present = new Set([...Object.keys(parsed.variables), ...parsed.kept])
    const existing = Option.getOrElse(
      Option.map(resultValue(variables), (list) => list.map((v) => v.key)),
      () => [],
    )
    const problem = Object.keys(parsed.variables).length === 0 ? undefined : await save(parsed.variables)
    if (problem !== undefined) return problem
    for (const key of existing.filter((k) => !present.has(k))) {
      const exit = await remove({ params: { serviceId: service.id, key }, reactivityKeys: keys })
      const failed = Problems.fromExit(exit)
      if (failed !== undefined) return failed
    }
    setChanged(true)
    setRaw(undefined)
    return undefined
  })

  return (
    <>
      <ServiceHeader service={service} tab="variables" />
      {changed && <RedeployBanner service={service} onDone={() => setChanged(false)} />}
      <Loaded result={variables}>
        {(list) =>
          raw !== undefined ? (
            <form onSubmit={rawForm.onSubmit} noValidate>
              <label htmlFor="raw-variables">Variables as KEY=value lines</label>
              <textarea
                id="raw-variables"
                name="raw"
                rows={Math.max(6, list.length + 2)}
                defaultValue={raw}
                spellCheck={false}
                className="mono"
              />
              <p className="muted">
                Keys you remove here are deleted. Values shown masked stay as they are unless you type a new one.
              </p>
              <FormError problem={rawForm.problem} />
              <button type="submit" disabled={rawForm.busy}>
                {rawForm.busy ? "Saving…" : "Save variables"}
              </button>{" "}
              <button type="button" className="secondary" onClick={() => setRaw(undefined)}>
                Back to the table
              </button>
            </form>
          ) : (
            <>
              {list.length === 0 ? (
                <p className="muted">No variables yet.</p>
              ) : (
                <ul className="variables">
                  {list.map((variable) => (
                    <VariableRow
                      key={variable.key}
                      serviceId={service.id}
                      variable={variable}
                      save={save}
                      mutable={builder}
                      onDeleted={() => setChanged(true)}
                    />
                  ))}
                </ul>
              )}
              {builder && (
                <>
                  <h2>Add a variable</h2>
                  <form onSubmit={add.onSubmit} noValidate className="row-form">
                    <Field label="Key" name="key" required problem={add.problem} placeholder="DATABASE_URL" />
                    <Field
                      label="Value"
                      name="value"
                      problem={add.problem}
                      hint="Reference another service's variable with ${{ service.KEY }}."
                    />
                    <button type="submit" disabled={add.busy}>
                      {add.busy ? "Adding…" : "Add variable"}
                    </button>
                  </form>
                  <FormError problem={add.problem} />
                  <p>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => setRaw(list.map((v) => `${v.key}=${VariablesApi.mask}`).join("\n"))}
                    >
                      Edit as text
                    </button>
                  </p>
                </>
              )}
            </>
          )
        }
      </Loaded>
    </>
  )
}

const resultValue = <A, E>(result: AsyncResult.AsyncResult<A, E>) =>
  AsyncResult.isSuccess(result) ? Option.some(result.value) : Option.none()

/** The API names a refused key `variables.<KEY>`: show it under the key field. */
const renameField = (problem: Problems.Problem, to: string): Problems.Problem => {
  const entry = Object.entries(problem.fields).find(([field]) => field.startsWith("variables"))
  return entry === undefined ? problem : { ...problem, fields: { ...problem.fields, [to]: entry[1] } }
}

const VariableRow = ({
  serviceId,
  variable,
  save,
  mutable,
  onDeleted,
}: {
  readonly serviceId: Ids.ServiceId
  readonly variable: VariablesApi.VariableView
  readonly save: (map: Record<string, string>) => Promise<Problems.Problem | undefined>
  /** Whether the person may reveal, edit and delete (a viewer may not: no buttons). */
  readonly mutable: boolean
  readonly onDeleted: () => void
}) => {
  const reveal = useAtomRun(Api.mutation("variables", "revealServiceVariable"))
  const remove = useAtomRun(Api.mutation("variables", "deleteServiceVariable"))
  const [shown, setShown] = React.useState<string | undefined>(undefined)
  const [editing, setEditing] = React.useState(false)
  const [problem, setProblem] = React.useState<Problems.Problem | undefined>(undefined)
  const edit = useSubmit(async (data) => {
    const failed = await save({ [variable.key]: text(data, "value") })
    if (failed === undefined) {
      setEditing(false)
      setShown(undefined)
    }
    return failed === undefined ? undefined : renameField(failed, "value")
  })
  return (
    <li className="variable" data-key={variable.key}>
      <span className="mono key">{variable.key}</span>
      {editing ? (
        <form onSubmit={edit.onSubmit} noValidate className="row-form">
          <Field
            label={`New value of ${variable.key}`}
            name="value"
            defaultValue={shown ?? ""}
            problem={edit.problem}
          />
          <button type="submit" disabled={edit.busy}>
            Save
          </button>
          <button type="button" className="secondary" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <span className="mono value">{shown ?? variable.value}</span>
          {mutable && (
            <span className="row-actions">
              <button
                type="button"
                className="secondary"
                aria-label={shown === undefined ? `Reveal ${variable.key}` : `Hide ${variable.key}`}
                onClick={() => {
                  if (shown !== undefined) return setShown(undefined)
                  void reveal({ params: { serviceId, key: variable.key } }).then((exit) => {
                    setProblem(Problems.fromExit(exit))
                    if (Exit.isSuccess(exit)) setShown(exit.value.value)
                  })
                }}
              >
                {shown === undefined ? "Reveal" : "Hide"}
              </button>
              <button
                type="button"
                className="secondary"
                aria-label={`Edit ${variable.key}`}
                onClick={() => setEditing(true)}
              >
                Edit
              </button>
              <button
                type="button"
                className="secondary danger"
                aria-label={`Delete ${variable.key}`}
                onClick={() =>
                  void remove({
                    params: { serviceId, key: variable.key },
                    reactivityKeys: [variablesKey(serviceId)],
                  }).then((exit) => {
                    setProblem(Problems.fromExit(exit))
                    if (Exit.isSuccess(exit)) onDeleted()
                  })
                }
              >
                Delete
              </button>
            </span>
          )}
        </>
      )}
      <FormError problem={problem} />
    </li>
  )
}

/** Variables are frozen into each deployment: a change serves only after the next deploy. */
const RedeployBanner = ({
  service,
  onDone,
}: {
  readonly service: ServicesApi.ServiceView
  readonly onDone: () => void
}) => {
  const deploy = useAtomRun(Api.mutation("deployments", "createDeployment"))
  const form = useSubmit(async () => {
    const exit = await deploy({
      params: { serviceId: service.id },
      payload: {},
      headers: {},
      reactivityKeys: [deploymentsKey(service.id), serviceKey(service.id)],
    })
    if (Exit.isSuccess(exit)) onDone()
    return Problems.fromExit(exit)
  })
  return (
    <form className="banner" onSubmit={form.onSubmit} role="status">
      <span>These changes need a redeploy to take effect.</span>{" "}
      <button type="submit" disabled={form.busy}>
        {form.busy ? "Deploying…" : "Redeploy now"}
      </button>
      <FormError problem={form.problem} />
    </form>
  )
}
