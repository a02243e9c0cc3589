import type { DesiredState } from "@starform/domain"

/**
 * The labels on every object Shuttle writes (ARCHITECTURE §2): the tenant key, the billing boundary, the release for
 * workloads, and who manages it. NetworkPolicies and the admission policy in `k8s/policy` rely on them.
 */

export const workspaceId = "starform.io/workspace-id"
export const projectId = "starform.io/project-id"
export const environment = "starform.io/environment"
export const serviceId = "starform.io/service-id"
export const deploymentId = "starform.io/deployment-id"
export const managedBy = "app.kubernetes.io/managed-by"
export const manager = "shuttle"

/** Every label a customer pod must carry (the admission policy's list). */
export const podRequired = [workspaceId, projectId, environment, serviceId, deploymentId] as const

/** `app.kubernetes.io/managed-by=shuttle`: how Shuttle lists what it owns. */
export const managedSelector = `${managedBy}=${manager}`

type Tenant = Pick<DesiredState.EnvironmentState, "workspaceId" | "projectId" | "environment">

/** An environment's objects: its namespace, policies and volumes. */
export const ofEnvironment = (tenant: Tenant): Record<string, string> => ({
  [managedBy]: manager,
  [environment]: tenant.environment,
  [projectId]: tenant.projectId,
  [workspaceId]: tenant.workspaceId,
})

/** A service's objects that outlive its releases: Secret, Service, HPA, route. */
export const ofService = (service: DesiredState.ServiceState): Record<string, string> => ({
  ...ofEnvironment(service),
  [serviceId]: service.serviceId,
})

/** A release's workload and its pods. */
export const ofRelease = (
  service: DesiredState.ServiceState,
  release: DesiredState.Release,
): Record<string, string> => ({
  ...ofService(service),
  [deploymentId]: release.deploymentId,
})

/** What a release's pods are selected by: the service and the release, nothing that could change. */
export const releaseSelector = (
  service: DesiredState.ServiceState,
  release: DesiredState.Release,
): Record<string, string> => ({
  [serviceId]: service.serviceId,
  [deploymentId]: release.deploymentId,
})
