import { DesiredState, Ids } from "@starform/domain"
import { Schema } from "effect"

/** Desired states as the projects service would send them, decoded through the real schema. */

const timing = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 5,
  successThreshold: 1,
  failureThreshold: 3,
}

export const release = (number: number, image = `ghcr.io/acme/api:${number}.0.0`): DesiredState.Release =>
  Schema.decodeUnknownSync(DesiredState.Release)({
    deploymentId: Ids.makeId(Ids.prefixes.deployment),
    number,
    imageRef: image,
    imageDigest: null,
    image,
    commitSha: null,
  })

export interface EnvironmentIds {
  readonly workspaceId: string
  readonly projectId: string
  readonly environmentId: string
  readonly environment: string
  readonly namespace: string
}

export const environmentIds = (environment = "production"): EnvironmentIds => {
  const environmentId = Ids.makeId(Ids.prefixes.environment)
  return {
    workspaceId: Ids.makeId(Ids.prefixes.workspace),
    projectId: Ids.makeId(Ids.prefixes.project),
    environmentId,
    environment,
    namespace: DesiredState.namespaceOf(environmentId as Ids.EnvironmentId),
  }
}

type ServiceInput = Partial<typeof DesiredState.ServiceState.Encoded>

/** A web service (public, with a domain) unless `overrides` say otherwise. */
export const service = (ids: EnvironmentIds, overrides: ServiceInput = {}): DesiredState.ServiceState => {
  const type = overrides.type ?? "web"
  const port = type === "web" ? 8080 : null
  return Schema.decodeUnknownSync(DesiredState.ServiceState)({
    workspaceId: ids.workspaceId,
    projectId: ids.projectId,
    environmentId: ids.environmentId,
    environment: ids.environment,
    namespace: ids.namespace,
    serviceId: Ids.makeId(Ids.prefixes.service),
    name: "api",
    type,
    release: release(1),
    previousRelease: null,
    variables: { PORT: "8080", DATABASE_URL: "postgres://db/app" },
    startCommand: null,
    preDeployCommand: null,
    port,
    probes: {
      startup: null,
      liveness: null,
      readiness: port === null ? null : { type: "tcp", port, ...timing },
    },
    scaling: { mode: "fixed", replicas: 2 },
    resources: { requests: { cpuMillicores: 100, memoryMib: 256 }, limits: { cpuMillicores: 1000, memoryMib: 512 } },
    isPublic: type === "web",
    domains: type === "web" ? ["api.example.com"] : [],
    volumes: [],
    cronSchedule: type === "cron" ? "*/5 * * * *" : null,
    drainingSeconds: 30,
    restartPolicy: type === "cron" ? "on_failure" : "always",
    maxRetries: 3,
    rollout: { maxSurgePercent: 25, maxUnavailablePercent: 0 },
    ...overrides,
  })
}

export const environment = (
  ids: EnvironmentIds,
  services: ReadonlyArray<DesiredState.ServiceState>,
): DesiredState.EnvironmentState =>
  Schema.decodeUnknownSync(DesiredState.EnvironmentState)({
    workspaceId: ids.workspaceId,
    projectId: ids.projectId,
    environmentId: ids.environmentId,
    environment: ids.environment,
    namespace: ids.namespace,
    isEphemeral: false,
    services: Schema.encodeSync(Schema.Array(DesiredState.ServiceState))(services),
  })

export { timing }
