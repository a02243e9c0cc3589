import type { DeploymentsApi, Ids, ProjectsApi, ServicesApi } from "@starform/domain"
import { Ids as IdSchemas } from "@starform/domain"
import { Option } from "effect"
import { AsyncResult } from "effect/reactivity"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import { deploymentsOf, environmentDeployments } from "../api/Live.ts"
import { can, useProjectRole } from "../api/Role.ts"
import { useAtomValue } from "../atom/Hooks.ts"
import { Loaded, NotFound } from "../ui/Loaded.tsx"
import { Link, navigate, useLocation } from "../ui/Router.tsx"
import { Shell } from "../ui/Shell.tsx"
import { inProgress, StatusBadge } from "../ui/Status.tsx"

export const servicesKey = (environmentId: string) => `services:${environmentId}`
export const deploymentsKey = (serviceId: string) => `deployments:${serviceId}`

/** `/p/:projectId?env=…`: the project's services in one environment, as cards. */
export const ProjectCanvas = ({ projectId: raw }: { readonly projectId: string }) => {
  const projectId = Input.idFrom(IdSchemas.ProjectId, raw)
  if (Option.isNone(projectId)) {
    return (
      <Shell>
        <NotFound />
      </Shell>
    )
  }
  return <Canvas projectId={projectId.value} />
}

const Canvas = ({ projectId }: { readonly projectId: Ids.ProjectId }) => {
  const project = useAtomValue(Api.query("projects", "getProject", { params: { projectId } }))
  const environments = useAtomValue(Api.query("projects", "listEnvironments", { params: { projectId } }))
  const workspaceId = AsyncResult.isSuccess(project) ? project.value.workspaceId : undefined
  return (
    <Shell workspaceId={workspaceId}>
      <Loaded result={project}>
        {(p) => <Loaded result={environments}>{(envs) => <Environments project={p} environments={envs} />}</Loaded>}
      </Loaded>
    </Shell>
  )
}

const Environments = ({
  project,
  environments,
}: {
  readonly project: ProjectsApi.ProjectView
  readonly environments: ReadonlyArray<ProjectsApi.EnvironmentView>
}) => {
  const { query } = useLocation()
  const chosen = environments.find((e) => e.id === query.get("env")) ?? environments[0]
  return (
    <>
      <p className="crumbs">
        <Link to={`/w/${project.workspaceId}`}>Projects</Link> /
      </p>
      <div className="heading">
        <h1>{project.name}</h1>
        <label>
          Environment{" "}
          <select
            value={chosen?.id ?? ""}
            onChange={(event) => navigate(`/p/${project.id}?env=${event.target.value}`, { replace: true })}
          >
            {environments.map((environment) => (
              <option key={environment.id} value={environment.id}>
                {environment.name}
                {environment.isEphemeral ? " (preview)" : ""}
              </option>
            ))}
          </select>
        </label>
      </div>
      {chosen === undefined ? (
        <p className="muted">This project has no environment yet.</p>
      ) : (
        <Services projectId={project.id} workspaceId={project.workspaceId} environment={chosen} />
      )}
    </>
  )
}

const Services = ({
  projectId,
  workspaceId,
  environment,
}: {
  readonly projectId: Ids.ProjectId
  readonly workspaceId: Ids.WorkspaceId
  readonly environment: ProjectsApi.EnvironmentView
}) => {
  const builder = can.build(useProjectRole(workspaceId, projectId))
  const services = useAtomValue(
    Api.query("services", "listServices", {
      params: { environmentId: environment.id },
      reactivityKeys: [servicesKey(environment.id)],
    }),
  )
  const live = useAtomValue(environmentDeployments(environment.id))
  const all = AsyncResult.isSuccess(live) ? live.value : []
  return (
    <Loaded result={services}>
      {(list) => (
        <>
          {list.length === 0 ? (
            <p className="muted">No services in {environment.name} yet.</p>
          ) : (
            <ul className="cards" aria-label={`Services in ${environment.name}`}>
              {list.map((service) => (
                <ServiceCard key={service.id} service={service} deployments={deploymentsOf(all, service.id)} />
              ))}
            </ul>
          )}
          {builder && (
            <p>
              <Link className="button" to={`/p/${projectId}/services/new?env=${environment.id}`}>
                New service
              </Link>
            </p>
          )}
        </>
      )}
    </Loaded>
  )
}

/** The release serving now, else the newest (a service whose first deploy is still under way). */
export const servingOf = (
  service: ServicesApi.ServiceView,
  deployments: ReadonlyArray<DeploymentsApi.DeploymentView>,
) =>
  deployments.find((d) => d.status === "active") ??
  deployments.find((d) => d.id === service.activeDeploymentId) ??
  deployments[0]

const ServiceCard = ({
  service,
  deployments,
}: {
  readonly service: ServicesApi.ServiceView
  readonly deployments: ReadonlyArray<DeploymentsApi.DeploymentView>
}) => {
  const serving = servingOf(service, deployments)
  const latest = deployments[0]
  const source = service.source.type === "image" ? service.source.imageRef : service.source.repoFullName
  return (
    <li className="card service-card" data-service={service.name}>
      <Link to={`/s/${service.id}`}>
        <strong>{service.name}</strong>
      </Link>
      <p className="muted">
        {service.type} · {source}
      </p>
      <p>
        {serving === undefined ? <span className="muted">Not deployed</span> : <StatusBadge status={serving.status} />}
        {latest !== undefined && latest !== serving && inProgress(latest.status) && (
          <>
            {" "}
            next: <StatusBadge status={latest.status} />
          </>
        )}
      </p>
      {serving?.observed != null && (
        <p className="muted">
          {serving.observed.readyReplicas}/{serving.observed.desiredReplicas} replicas ready
        </p>
      )}
      <p className="muted">{service.isPublic ? "Public" : "Private (reachable inside its environment)"}</p>
    </li>
  )
}
