import { Schema } from "effect"
import { Rpc, RpcGroup, RpcSerialization } from "effect/rpc"
import { Conflict, NotFound, ValidationFailed } from "./ApiErrors.ts"
import { RegionView } from "./api/Clusters.ts"
import { CreateDeploymentRequest, DeploymentView } from "./api/Deployments.ts"
import { DomainView, ServiceDomains } from "./api/Domains.ts"
import {
  CreateEnvironmentRequest,
  CreateProjectRequest,
  EnvironmentView,
  ProjectView,
  UpdateEnvironmentRequest,
  UpdateProjectRequest,
} from "./api/Projects.ts"
import { CreateServiceRequest, ServiceView, UpdateServiceRequest } from "./api/Services.ts"
import {
  CreateVarGroupRequest,
  RevealedServiceVariable,
  RevealedVariable,
  SetVarGroupVariablesRequest,
  UpdateVarGroupRequest,
  VarGroupLink,
  VarGroupView,
  VariableMap,
  VariableView,
} from "./api/Variables.ts"
import { CommitSha, DeploymentTrigger, ImageDigest } from "./Deploys.ts"
import { WorkspacePlan } from "./Identity.ts"
import {
  ClusterId,
  DeploymentId,
  EnvironmentId,
  ProjectId,
  RegionId,
  ServiceId,
  UserId,
  VarGroupId,
  WorkspaceId,
} from "./Ids.ts"
import { ClusterStatus } from "./Infrastructure.ts"
import { ClusterName, Label, RegionSlug, VariableKey } from "./Names.ts"
import { GitBranch, ImageRef, RepoFullName } from "./Projects.ts"
import * as Rules from "./Rules.ts"

/**
 * The projects service's contract with the gateway (and with the builds service, GitHub webhooks and operators).
 * The gateway authenticates and authorizes: it first asks `Locate` which workspace and project a resource is in,
 * authorizes the actor there, then calls the operation. Errors are the public API's (`ValidationFailed` naming the
 * field, `NotFound`, `Conflict`), so the gateway passes them through as they are.
 */

export const resourceKinds = ["project", "environment", "service", "deployment", "varGroup"] as const
export const ResourceKind = Schema.Literals(resourceKinds)
export type ResourceKind = typeof ResourceKind.Type

/** Where a resource lives: what authorization is decided on. */
export const Tenant = Schema.Struct({ workspaceId: WorkspaceId, projectId: ProjectId })
export type Tenant = typeof Tenant.Type

/** Who did something, for `created_by` and the audit log. */
export const ActingUser = Schema.Struct({
  type: Schema.Literals(["user", "api_token", "service_account"]),
  id: Schema.String,
  /** The person, when the actor is one. */
  userId: Schema.NullOr(UserId),
  ip: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String),
})
export type ActingUser = typeof ActingUser.Type

const errors = Schema.Union([ValidationFailed, NotFound, Conflict])
const notFound = NotFound

export const Locate = Rpc.make("Locate", {
  payload: { kind: ResourceKind, id: Schema.String },
  success: Tenant,
  error: notFound,
})

export const ListProjects = Rpc.make("ListProjects", {
  payload: { workspaceId: WorkspaceId },
  success: Schema.Array(ProjectView),
})
export const CreateProject = Rpc.make("CreateProject", {
  payload: { workspaceId: WorkspaceId, request: CreateProjectRequest },
  success: ProjectView,
  error: errors,
})
export const GetProject = Rpc.make("GetProject", {
  payload: { projectId: ProjectId },
  success: ProjectView,
  error: notFound,
})
export const UpdateProject = Rpc.make("UpdateProject", {
  payload: { projectId: ProjectId, request: UpdateProjectRequest },
  success: ProjectView,
  error: errors,
})
export const DeleteProject = Rpc.make("DeleteProject", { payload: { projectId: ProjectId }, error: notFound })

export const ListEnvironments = Rpc.make("ListEnvironments", {
  payload: { projectId: ProjectId },
  success: Schema.Array(EnvironmentView),
  error: notFound,
})
export const CreateEnvironment = Rpc.make("CreateEnvironment", {
  payload: { projectId: ProjectId, request: CreateEnvironmentRequest },
  success: EnvironmentView,
  error: errors,
})
export const GetEnvironment = Rpc.make("GetEnvironment", {
  payload: { environmentId: EnvironmentId },
  success: EnvironmentView,
  error: notFound,
})
export const UpdateEnvironment = Rpc.make("UpdateEnvironment", {
  payload: { environmentId: EnvironmentId, request: UpdateEnvironmentRequest },
  success: EnvironmentView,
  error: errors,
})
export const DeleteEnvironment = Rpc.make("DeleteEnvironment", {
  payload: { environmentId: EnvironmentId },
  error: notFound,
})

export const ListServices = Rpc.make("ListServices", {
  payload: { environmentId: EnvironmentId },
  success: Schema.Array(ServiceView),
  error: notFound,
})
export const CreateService = Rpc.make("CreateService", {
  payload: { environmentId: EnvironmentId, request: CreateServiceRequest },
  success: ServiceView,
  error: errors,
})
export const GetService = Rpc.make("GetService", {
  payload: { serviceId: ServiceId },
  success: ServiceView,
  error: notFound,
})
export const UpdateService = Rpc.make("UpdateService", {
  payload: { serviceId: ServiceId, request: UpdateServiceRequest },
  success: ServiceView,
  error: errors,
})
export const DeleteService = Rpc.make("DeleteService", { payload: { serviceId: ServiceId }, error: notFound })

export const ListServiceDomains = Rpc.make("ListServiceDomains", {
  payload: { serviceId: ServiceId },
  success: ServiceDomains,
  error: notFound,
})
/** 400 for a malformed, reserved or offensive subdomain; 409 when it is taken or the service has no generated domain. */
export const ChangeGeneratedSubdomain = Rpc.make("ChangeGeneratedSubdomain", {
  payload: { serviceId: ServiceId, subdomain: Schema.String, actor: ActingUser },
  success: DomainView,
  error: errors,
})

export const ListServiceVariables = Rpc.make("ListServiceVariables", {
  payload: { serviceId: ServiceId },
  success: Schema.Array(VariableView),
  error: notFound,
})
export const SetServiceVariables = Rpc.make("SetServiceVariables", {
  payload: { serviceId: ServiceId, variables: VariableMap },
  success: Schema.Array(VariableView),
  error: errors,
})
export const DeleteServiceVariable = Rpc.make("DeleteServiceVariable", {
  payload: { serviceId: ServiceId, key: VariableKey },
  error: notFound,
})
/** Returns one value in clear and writes `variable.reveal` to the audit log in the same transaction. */
export const RevealServiceVariable = Rpc.make("RevealServiceVariable", {
  payload: { serviceId: ServiceId, key: VariableKey, actor: ActingUser },
  success: RevealedServiceVariable,
  error: notFound,
})
export const ListVarGroupLinks = Rpc.make("ListVarGroupLinks", {
  payload: { serviceId: ServiceId },
  success: Schema.Array(VarGroupLink),
  error: notFound,
})
export const LinkVarGroups = Rpc.make("LinkVarGroups", {
  payload: { serviceId: ServiceId, varGroupIds: Schema.Array(VarGroupId) },
  success: Schema.Array(VarGroupLink),
  error: errors,
})

export const ListVarGroups = Rpc.make("ListVarGroups", {
  payload: { projectId: ProjectId },
  success: Schema.Array(VarGroupView),
  error: notFound,
})
export const CreateVarGroup = Rpc.make("CreateVarGroup", {
  payload: { projectId: ProjectId, request: CreateVarGroupRequest },
  success: VarGroupView,
  error: errors,
})
export const GetVarGroup = Rpc.make("GetVarGroup", {
  payload: { varGroupId: VarGroupId },
  success: VarGroupView,
  error: notFound,
})
export const UpdateVarGroup = Rpc.make("UpdateVarGroup", {
  payload: { varGroupId: VarGroupId, request: UpdateVarGroupRequest },
  success: VarGroupView,
  error: errors,
})
export const DeleteVarGroup = Rpc.make("DeleteVarGroup", { payload: { varGroupId: VarGroupId }, error: notFound })
export const SetVarGroupVariables = Rpc.make("SetVarGroupVariables", {
  payload: { varGroupId: VarGroupId, request: SetVarGroupVariablesRequest },
  success: VarGroupView,
  error: errors,
})
export const DeleteVarGroupVariable = Rpc.make("DeleteVarGroupVariable", {
  payload: { varGroupId: VarGroupId, key: VariableKey, environmentId: Schema.NullOr(EnvironmentId) },
  error: notFound,
})
export const RevealVarGroupVariable = Rpc.make("RevealVarGroupVariable", {
  payload: {
    varGroupId: VarGroupId,
    key: VariableKey,
    environmentId: Schema.NullOr(EnvironmentId),
    actor: ActingUser,
  },
  success: RevealedVariable,
  error: notFound,
})

export const ListDeployments = Rpc.make("ListDeployments", {
  payload: { serviceId: ServiceId, limit: Rules.int(1, 100) },
  success: Schema.Array(DeploymentView),
  error: notFound,
})
export const CreateDeployment = Rpc.make("CreateDeployment", {
  payload: {
    serviceId: ServiceId,
    request: CreateDeploymentRequest,
    trigger: DeploymentTrigger,
    createdBy: Schema.NullOr(UserId),
  },
  success: DeploymentView,
  error: errors,
})
export const GetDeployment = Rpc.make("GetDeployment", {
  payload: { deploymentId: DeploymentId },
  success: DeploymentView,
  error: notFound,
})
export const RollbackDeployment = Rpc.make("RollbackDeployment", {
  payload: { deploymentId: DeploymentId, createdBy: Schema.NullOr(UserId) },
  success: DeploymentView,
  error: errors,
})
export const RedeployDeployment = Rpc.make("RedeployDeployment", {
  payload: { deploymentId: DeploymentId, createdBy: Schema.NullOr(UserId) },
  success: DeploymentView,
  error: errors,
})
export const CancelDeployment = Rpc.make("CancelDeployment", {
  payload: { deploymentId: DeploymentId },
  success: DeploymentView,
  error: Schema.Union([NotFound, Conflict]),
})

/**
 * A push to `repoFullName`'s `branch`: deploys every service built from that repository, with auto-deploy on, in
 * the environment the branch is mapped to (or, in environments with no mapped branch, whose own branch it is).
 */
export const DeployPush = Rpc.make("DeployPush", {
  payload: {
    repoFullName: RepoFullName,
    branch: GitBranch,
    commitSha: CommitSha,
    commitMessage: Schema.NullOr(Rules.text(10_000)),
    /** Only services of this workspace's projects: the one the GitHub App installation belongs to. */
    workspaceId: Schema.optionalKey(WorkspaceId),
    /**
     * The paths the push changed; a service whose root directory none of them is inside is skipped (see
     * `BuildsRpc.pushTouches`). Null or absent: unknown, every service is deployed.
     */
    changedPaths: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.String))),
  },
  success: Schema.Array(DeploymentView),
  error: errors,
})

/**
 * Deployments waiting for their build (`building`), oldest first, with their workspace: the builds service's intake.
 * With `ids`, only those of them still waiting: builds was notified of these and need not list every other one.
 */
export const ListBuildingDeployments = Rpc.make("ListBuildingDeployments", {
  payload: {
    limit: Rules.int(1, 1000),
    ids: Schema.optionalKey(Schema.Array(DeploymentId).check(Schema.isMaxLength(1000))),
  },
  success: Schema.Array(Schema.Struct({ workspaceId: WorkspaceId, plan: WorkspacePlan, deployment: DeploymentView })),
})

/**
 * The GitHub App lost access to `repoOwner`'s repositories (uninstalled or suspended): auto-deploy is turned off on
 * the workspace's services built from them, with `reason` shown on each. Returns the services changed.
 */
export const DisableAutoDeploy = Rpc.make("DisableAutoDeploy", {
  payload: { workspaceId: WorkspaceId, repoOwner: Rules.text(100, 1), reason: Rules.text(500, 1) },
  success: Schema.Array(ServiceId),
})

/** Access is back (unsuspended, reinstalled): auto-deploy is turned on again where it was turned off for `reason`. */
export const RestoreAutoDeploy = Rpc.make("RestoreAutoDeploy", {
  payload: { workspaceId: WorkspaceId, repoOwner: Rules.text(100, 1), reason: Rules.text(500, 1) },
  success: Schema.Array(ServiceId),
})

export const BuildOutcome = Schema.Union([
  Schema.TaggedStruct("Succeeded", { imageRef: ImageRef, imageDigest: Schema.NullOr(ImageDigest) }),
  Schema.TaggedStruct("Failed", { reason: Rules.text(32_768, 1) }),
])
export type BuildOutcome = typeof BuildOutcome.Type

/** The builds service's report on a `building` deployment: it rolls out, or it fails with the reason. */
export const RecordBuild = Rpc.make("RecordBuild", {
  payload: { deploymentId: DeploymentId, outcome: BuildOutcome },
  success: DeploymentView,
  error: errors,
})

/**
 * The release's variables exactly as its snapshot froze them (resolved, opened): for the builds service's pre-deploy
 * Job of that release only, never shown to a user or logged.
 */
export const GetReleaseVariables = Rpc.make("GetReleaseVariables", {
  payload: { deploymentId: DeploymentId },
  success: Schema.Record(Schema.String, Schema.String),
  error: notFound,
})

export const ListRegions = Rpc.make("ListRegions", { success: Schema.Array(RegionView) })
export const CreateRegion = Rpc.make("CreateRegion", {
  payload: { slug: RegionSlug, name: Label },
  success: RegionView,
  error: errors,
})

export const ClusterView = Schema.Struct({
  id: ClusterId,
  regionId: RegionId,
  name: ClusterName,
  apiUrl: Schema.NullOr(Schema.String),
  status: ClusterStatus,
  maxPods: Schema.Int,
  desiredStateVersion: Schema.Int,
  environments: Schema.Int,
})
export type ClusterView = typeof ClusterView.Type

/** A new cluster with the token its Shuttle authenticates with: shown here once, stored only as a hash. */
export const RegisteredCluster = Schema.Struct({ cluster: ClusterView, token: Schema.String })

export const RegisterCluster = Rpc.make("RegisterCluster", {
  payload: {
    regionId: RegionId,
    name: ClusterName,
    apiUrl: Rules.matching("url", /^https?:\/\/\S+$/, "must be an http:// or https:// URL"),
    kubeconfig: Rules.text(1_000_000, 1),
    maxPods: Schema.optionalKey(Rules.int(1)),
  },
  success: RegisteredCluster,
  error: errors,
})
export const ListClusters = Rpc.make("ListClusters", { success: Schema.Array(ClusterView) })
/** A new token for the cluster's Shuttle; the old one stops working at once. */
export const RotateClusterToken = Rpc.make("RotateClusterToken", {
  payload: { clusterId: ClusterId },
  success: Schema.Struct({ token: Schema.String }),
  error: errors,
})
/** `draining` stops new placements on the cluster; `retired` needs it empty. */
export const SetClusterStatus = Rpc.make("SetClusterStatus", {
  payload: { clusterId: ClusterId, status: ClusterStatus },
  success: ClusterView,
  error: errors,
})

export class ProjectsRpcs extends RpcGroup.make(
  Locate,
  ListProjects,
  CreateProject,
  GetProject,
  UpdateProject,
  DeleteProject,
  ListEnvironments,
  CreateEnvironment,
  GetEnvironment,
  UpdateEnvironment,
  DeleteEnvironment,
  ListServices,
  CreateService,
  GetService,
  UpdateService,
  DeleteService,
  ListServiceDomains,
  ChangeGeneratedSubdomain,
  ListServiceVariables,
  SetServiceVariables,
  DeleteServiceVariable,
  RevealServiceVariable,
  ListVarGroupLinks,
  LinkVarGroups,
  ListVarGroups,
  CreateVarGroup,
  GetVarGroup,
  UpdateVarGroup,
  DeleteVarGroup,
  SetVarGroupVariables,
  DeleteVarGroupVariable,
  RevealVarGroupVariable,
  ListDeployments,
  CreateDeployment,
  GetDeployment,
  RollbackDeployment,
  RedeployDeployment,
  CancelDeployment,
  DeployPush,
  RecordBuild,
  ListBuildingDeployments,
  DisableAutoDeploy,
  RestoreAutoDeploy,
  ListRegions,
  CreateRegion,
  RegisterCluster,
  ListClusters,
  RotateClusterToken,
  SetClusterStatus,
  GetReleaseVariables,
) {}

/** The path the projects service serves these RPCs on. */
export const path = "/rpc/projects"

/**
 * Their wire format, for the service and every client: JSON, one body per HTTP request. When the gateway batches
 * calls into one request their answers come back together, once the slowest is done. Newline-delimited JSON would
 * stream each as it is ready, but measured here it served a quarter to a half fewer calls a second: a streamed body
 * costs more than the wait, since a batch only holds calls started in the same turn of the event loop.
 */
export const serialization = RpcSerialization.layerJson
