import { Ids, ServicesApi } from "@starform/domain"
import { Exit, Option } from "effect"
import * as React from "react"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import * as Problems from "../api/Problems.ts"
import { useAtomRun } from "../atom/Hooks.ts"
import { Field, FormError, text, useSubmit } from "../ui/Form.tsx"
import { NotFound } from "../ui/Loaded.tsx"
import { Link, navigate, useLocation } from "../ui/Router.tsx"
import { Shell } from "../ui/Shell.tsx"
import { servicesKey } from "./ProjectCanvas.tsx"

/** `/p/:projectId/services/new?env=…`: a service that runs a public image. */
export const NewService = ({ projectId }: { readonly projectId: string }) => {
  const { query } = useLocation()
  const environmentId = Input.idFrom(Ids.EnvironmentId, query.get("env") ?? undefined)
  return (
    <Shell projectId={projectId}>
      {Option.isSome(environmentId) ? (
        <ServiceForm projectId={projectId} environmentId={environmentId.value} />
      ) : (
        <NotFound />
      )}
    </Shell>
  )
}

const numberOrNull = (value: string) => (value.trim() === "" ? null : Number(value))

const ServiceForm = ({
  projectId,
  environmentId,
}: {
  readonly projectId: string
  readonly environmentId: Ids.EnvironmentId
}) => {
  const [type, setType] = React.useState<"web" | "worker" | "cron">("web")
  const create = useAtomRun(Api.mutation("services", "createService"))
  const form = useSubmit(async (data) => {
    const payload = Input.decode(ServicesApi.CreateServiceRequest, {
      name: text(data, "name"),
      type,
      source: { type: "image", imageRef: text(data, "source.imageRef") },
      ...(type === "web"
        ? { port: numberOrNull(text(data, "port")), isPublic: data.get("isPublic") === "on" }
        : type === "cron"
          ? { cronSchedule: text(data, "cronSchedule") }
          : {}),
    })
    if (!payload.ok) return payload.problem
    const exit = await create({
      params: { environmentId },
      payload: payload.value,
      reactivityKeys: [servicesKey(environmentId)],
    })
    if (Exit.isSuccess(exit)) navigate(`/s/${exit.value.id}`)
    return Problems.fromExit(exit)
  })
  return (
    <>
      <p className="crumbs">
        <Link to={`/p/${projectId}?env=${environmentId}`}>Back to the project</Link>
      </p>
      <h1>New service</h1>
      <form onSubmit={form.onSubmit} noValidate className="narrow">
        <Field label="Name" name="name" required problem={form.problem} hint="Lower-case letters, digits and '-'." />
        <fieldset>
          <legend>Type</legend>
          {(["web", "worker", "cron"] as const).map((option) => (
            <label key={option} className="inline">
              <input
                type="radio"
                name="type"
                value={option}
                checked={type === option}
                onChange={() => setType(option)}
              />{" "}
              {option === "web" ? "Web service" : option === "worker" ? "Background worker" : "Cron job"}
            </label>
          ))}
        </fieldset>
        <Field
          label="Image"
          name="source.imageRef"
          required
          problem={form.problem}
          placeholder="nginx:1.27"
          hint="A public image, e.g. ghcr.io/acme/api:1.0.0."
        />
        {type === "web" && (
          <>
            <Field label="Port" name="port" inputMode="numeric" defaultValue="8080" problem={form.problem} />
            <label className="inline">
              <input type="checkbox" name="isPublic" /> Public (reachable from the internet)
            </label>
          </>
        )}
        {type === "cron" && (
          <Field label="Schedule" name="cronSchedule" required problem={form.problem} placeholder="*/5 * * * *" />
        )}
        <p className="muted">
          Deploying from a GitHub repository is not in the dashboard yet: use the API or the CLI for repository
          services.
        </p>
        <FormError problem={form.problem} />
        <button type="submit" disabled={form.busy}>
          {form.busy ? "Creating…" : "Create service"}
        </button>
      </form>
    </>
  )
}
