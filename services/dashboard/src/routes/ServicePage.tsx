import { type DeploymentsApi, Ids, type ServicesApi } from "@starform/domain"
import { Exit, Option } from "effect"
import { AsyncResult } from "effect/reactivity"
import * as React from "react"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import { deploymentsOf, environmentDeployments } from "../api/Live.ts"
import * as Problems from "../api/Problems.ts"
import { can, useProjectRole } from "../api/Role.ts"
import { useAtomRun, useAtomValue } from "../atom/Hooks.ts"
import { FormError } from "../ui/Form.tsx"
import { Loaded, NotFound } from "../ui/Loaded.tsx"
import { Link } from "../ui/Router.tsx"
import { Shell } from "../ui/Shell.tsx"
import { inProgress, StatusBadge } from "../ui/Status.tsx"
import { deploymentsKey, servingOf } from "./ProjectCanvas.tsx"
import { RollbackConfirm } from "./Rollback.tsx"

export const serviceKey = (serviceId: string) => `service:${serviceId}`

/** `/s/:serviceId`: the service's deployments, live, with deploy, redeploy, rollback and cancel. */
export const ServicePage = ({ serviceId: raw }: { readonly serviceId: string }) => {
  const serviceId = Input.idFrom(Ids.ServiceId, raw)
  if (Option.isNone(serviceId)) {
    return (
      <Shell>
        <NotFound />
      </Shell>
    )
  }
  return <Service serviceId={serviceId.value} />
}

const Service = ({ serviceId }: { readonly serviceId: Ids.ServiceId }) => {
  const service = Api.query("services", "getService", {
    params: { serviceId },
    reactivityKeys: [serviceKey(serviceId)],
  })
  const result = useAtomValue(service)
  return (
    <Shell projectId={AsyncResult.isSuccess(result) ? result.value.projectId : undefined}>
      <Loaded result={result}>{(s) => <ServiceView service={s} />}</Loaded>
    </Shell>
  )
}

export const ServiceHeader = ({
  service,
  tab,
}: {
  readonly service: ServicesApi.ServiceView
  readonly tab: "deployments" | "variables"
}) => (
  <>
    <p className="crumbs">
      <Link to={`/p/${service.projectId}?env=${service.environmentId}`}>Back to the project</Link>
    </p>
    <h1>{service.name}</h1>
    <p className="muted">
      {service.type} · {service.source.type === "image" ? service.source.imageRef : service.source.repoFullName}
      {service.port !== null ? ` · port ${service.port}` : ""} · {service.isPublic ? "public" : "private"}
    </p>
    <nav className="tabs" aria-label="Service">
      <Link to={`/s/${service.id}`} aria-current={tab === "deployments" ? "page" : undefined}>
        Deployments
      </Link>
      <Link to={`/s/${service.id}/variables`} aria-current={tab === "variables" ? "page" : undefined}>
        Variables
      </Link>
    </nav>
  </>
)

const ServiceView = ({ service }: { readonly service: ServicesApi.ServiceView }) => {
  const result = useAtomValue(environmentDeployments(service.environmentId))
  const keys = [deploymentsKey(service.id), serviceKey(service.id)]
  const deploy = useAtomRun(Api.mutation("deployments", "createDeployment"))
  const redeploy = useAtomRun(Api.mutation("deployments", "redeployDeployment"))
  const rollback = useAtomRun(Api.mutation("deployments", "rollbackDeployment"))
  const cancel = useAtomRun(Api.mutation("deployments", "cancelDeployment"))
  const [problem, setProblem] = React.useState<Problems.Problem | undefined>(undefined)
  const [busy, setBusy] = React.useState<string | undefined>(undefined)
  const [confirming, setConfirming] = React.useState<DeploymentsApi.DeploymentView | undefined>(undefined)
  const project = useAtomValue(Api.query("projects", "getProject", { params: { projectId: service.projectId } }))
  // A viewer sees the deployments and nothing that would change them.
  const builder = can.build(
    useProjectRole(AsyncResult.isSuccess(project) ? project.value.workspaceId : undefined, service.projectId),
  )

  const run = (label: string, action: () => Promise<Exit.Exit<unknown, Problems.ApiErrorShape>>) => {
    setBusy(label)
    setProblem(undefined)
    void action()
      .then((exit) => {
        setProblem(Problems.fromExit(exit))
        if (Exit.isSuccess(exit)) setConfirming(undefined)
      })
      .finally(() => setBusy(undefined))
  }

  const list = AsyncResult.isSuccess(result) ? deploymentsOf(result.value, service.id) : []
  const serving = servingOf(service, list)
  const latest = list[0]
  return (
    <>
      <ServiceHeader service={service} tab="deployments" />
      {builder && (
        <div className="actions">
          <button
            type="button"
            disabled={busy !== undefined}
            onClick={() =>
              run("deploy", () =>
                latest === undefined
                  ? deploy({ params: { serviceId: service.id }, payload: {}, headers: {}, reactivityKeys: keys })
                  : redeploy({ params: { deploymentId: latest.id }, reactivityKeys: keys }),
              )
            }
          >
            {busy === "deploy" ? "Deploying…" : latest === undefined ? "Deploy" : "Redeploy"}
          </button>
        </div>
      )}
      <FormError problem={problem} />
      {confirming !== undefined && (
        <RollbackConfirm
          target={confirming}
          serving={serving?.status === "active" ? serving : undefined}
          busy={busy === "rollback"}
          onCancel={() => setConfirming(undefined)}
          onConfirm={() =>
            run("rollback", () => rollback({ params: { deploymentId: confirming.id }, reactivityKeys: keys }))
          }
        />
      )}
      <h2>Deployments</h2>
      <Loaded result={result}>
        {(all) => (
          <DeploymentRows
            rows={deploymentsOf(all, service.id)}
            busy={busy}
            mutable={builder}
            onRollback={setConfirming}
            onCancel={(deployment) =>
              run("cancel", () => cancel({ params: { deploymentId: deployment.id }, reactivityKeys: keys }))
            }
          />
        )}
      </Loaded>
    </>
  )
}

const DeploymentRows = ({
  rows,
  busy,
  mutable,
  onRollback,
  onCancel,
}: {
  readonly rows: ReadonlyArray<DeploymentsApi.DeploymentView>
  readonly busy: string | undefined
  /** Whether the person may roll back and cancel (a viewer may not: no buttons). */
  readonly mutable: boolean
  readonly onRollback: (deployment: DeploymentsApi.DeploymentView) => void
  readonly onCancel: (deployment: DeploymentsApi.DeploymentView) => void
}) =>
  rows.length === 0 ? (
    <p className="muted">Not deployed yet.</p>
  ) : (
    <div className="table-wrap">
      <table className="deployments">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Status</th>
            <th scope="col">Trigger</th>
            <th scope="col">Image</th>
            <th scope="col">Variables</th>
            <th scope="col">Created</th>
            <th scope="col">Duration</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((deployment) => (
            <tr key={deployment.id} data-number={deployment.number} data-status={deployment.status}>
              <td>#{deployment.number}</td>
              <td>
                <StatusBadge status={deployment.status} />
                {deployment.failureReason !== null && (
                  <small className="field-error"> {deployment.failureReason}</small>
                )}
              </td>
              <td>
                {deployment.trigger}
                {deployment.rollbackOfDeploymentId !== null &&
                  ` of #${rows.find((d) => d.id === deployment.rollbackOfDeploymentId)?.number ?? "?"}`}
              </td>
              <td className="mono">{deployment.imageRef ?? deployment.commitSha?.slice(0, 7) ?? "—"}</td>
              <td>{deployment.snapshot.variableKeys.join(", ") || "none"}</td>
              <td>
                <time dateTime={deployment.createdAt}>{new Date(deployment.createdAt).toLocaleString()}</time>
              </td>
              <td>{duration(deployment)}</td>
              <td>
                <div className="row-actions">
                  {mutable && deployment.status === "superseded" && (
                    <button
                      type="button"
                      className="secondary"
                      disabled={busy !== undefined}
                      onClick={() => onRollback(deployment)}
                    >
                      Roll back to #{deployment.number}
                    </button>
                  )}
                  {mutable && inProgress(deployment.status) && (
                    <button
                      type="button"
                      className="secondary"
                      disabled={busy !== undefined}
                      onClick={() => onCancel(deployment)}
                    >
                      Cancel #{deployment.number}
                    </button>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )

const duration = (deployment: DeploymentsApi.DeploymentView) => {
  if (deployment.startedAt === null) return "—"
  const end = deployment.finishedAt === null ? Date.now() : Date.parse(deployment.finishedAt)
  const seconds = Math.max(0, Math.round((end - Date.parse(deployment.startedAt)) / 1000))
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`
}
