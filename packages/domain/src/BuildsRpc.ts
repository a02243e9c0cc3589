import { Schema } from "effect"
import { Rpc, RpcGroup, RpcSerialization } from "effect/rpc"
import { Conflict, Internal, NotFound, ValidationFailed } from "./ApiErrors.ts"
import {
  BuildLogLineView,
  BuildLogPage,
  BuildSettingsView,
  BuildView,
  UpdateBuildSettingsRequest,
} from "./api/Builds.ts"
import { InstallationView, InstallLink, RepositoryView } from "./api/Github.ts"
import { WorkspacePlan } from "./Identity.ts"
import {
  BuildId,
  DeploymentId,
  GithubInstallationId,
  ProjectId,
  ServiceId,
  SourceUploadId,
  UserId,
  WorkspaceId,
} from "./Ids.ts"

/**
 * The builds service's contract with the gateway: GitHub webhook deliveries (already signature-checked by the
 * gateway), the GitHub App installation flow, builds and their logs. Like `ProjectsRpc`, authorization is the
 * gateway's: it asks `Locate` where a build or installation lives, authorizes the actor there, then calls.
 */

/** What a webhook delivery came to. `duplicate`: this delivery id was (or is being) processed already. */
export const DeliveryOutcome = Schema.Struct({
  deliveryId: Schema.String,
  status: Schema.Literals(["processed", "ignored", "duplicate"]),
  detail: Schema.String,
  deploymentIds: Schema.Array(DeploymentId),
})
export type DeliveryOutcome = typeof DeliveryOutcome.Type

export const ReceiveGithubDelivery = Rpc.make("ReceiveGithubDelivery", {
  payload: {
    /** `X-GitHub-Delivery`. */
    deliveryId: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(255)),
    /** `X-GitHub-Event`. */
    event: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(255)),
    /** The raw JSON body, as signed. */
    body: Schema.String,
  },
  success: DeliveryOutcome,
  error: Schema.Union([ValidationFailed, Internal]),
})

export const locatableKinds = ["build", "installation"] as const

export const Locate = Rpc.make("Locate", {
  payload: { kind: Schema.Literals(locatableKinds), id: Schema.String },
  success: Schema.Struct({ workspaceId: WorkspaceId, projectId: Schema.NullOr(ProjectId) }),
  error: NotFound,
})

export const CreateInstallLink = Rpc.make("CreateInstallLink", {
  payload: { workspaceId: WorkspaceId, userId: Schema.NullOr(UserId) },
  success: InstallLink,
  error: Conflict,
})

export const CompleteInstallation = Rpc.make("CompleteInstallation", {
  payload: { installationId: Schema.Number, state: Schema.String },
  success: InstallationView,
  error: Schema.Union([ValidationFailed, NotFound, Conflict]),
})

export const ListInstallations = Rpc.make("ListInstallations", {
  payload: { workspaceId: WorkspaceId },
  success: Schema.Array(InstallationView),
})

export const ListRepositories = Rpc.make("ListRepositories", {
  payload: { installationId: GithubInstallationId },
  success: Schema.Array(RepositoryView),
  error: Schema.Union([NotFound, Conflict]),
})

export const ListBuilds = Rpc.make("ListBuilds", {
  payload: { deploymentId: DeploymentId },
  success: Schema.Array(BuildView),
})

export const GetBuild = Rpc.make("GetBuild", { payload: { buildId: BuildId }, success: BuildView, error: NotFound })

/** Whose an uploaded folder is (before a deployment is made of it): NotFound when it has expired or never existed. */
export const GetSourceUpload = Rpc.make("GetSourceUpload", {
  payload: { sourceUploadId: SourceUploadId },
  success: Schema.Struct({ projectId: ProjectId, serviceId: ServiceId }),
  error: NotFound,
})

export const CancelBuild = Rpc.make("CancelBuild", {
  payload: { buildId: BuildId },
  success: BuildView,
  error: Schema.Union([NotFound, Conflict]),
})

export const GetBuildLogs = Rpc.make("GetBuildLogs", {
  payload: { buildId: BuildId, after: Schema.Number, limit: Schema.Number },
  success: BuildLogPage,
  error: NotFound,
})

/** The build's log from `after` on, then each new line as it is written, until the build has ended. */
export const WatchBuildLogs = Rpc.make("WatchBuildLogs", {
  payload: { buildId: BuildId, after: Schema.Number },
  success: BuildLogLineView,
  error: NotFound,
  stream: true,
})

export const GetBuildSettings = Rpc.make("GetBuildSettings", {
  payload: { serviceId: ServiceId, plan: WorkspacePlan },
  success: BuildSettingsView,
})

export const UpdateBuildSettings = Rpc.make("UpdateBuildSettings", {
  payload: {
    serviceId: ServiceId,
    projectId: ProjectId,
    plan: WorkspacePlan,
    request: UpdateBuildSettingsRequest,
  },
  success: BuildSettingsView,
  error: Schema.Union([ValidationFailed, NotFound]),
})

export class BuildsRpcs extends RpcGroup.make(
  ReceiveGithubDelivery,
  Locate,
  CreateInstallLink,
  CompleteInstallation,
  ListInstallations,
  ListRepositories,
  ListBuilds,
  GetBuild,
  GetSourceUpload,
  CancelBuild,
  GetBuildLogs,
  WatchBuildLogs,
  GetBuildSettings,
  UpdateBuildSettings,
) {}

/** The path the builds service serves these RPCs on. */
export const path = "/rpc/builds"

/**
 * Their wire format, for the service and every client: newline-delimited JSON, because a build's log is streamed
 * (a JSON body could only be sent once the stream ended).
 */
export const serialization = RpcSerialization.layerNdjson

/**
 * Whether a push that changed `changedPaths` (repository-relative, e.g. `apps/api/index.ts`) touches a service
 * whose code is in `rootDirectory` (`/` or `/apps/api`). A service at the repository root deploys on every push
 * (an empty commit included); `null` paths mean the change set is unknown (a new branch, a forced push, more
 * commits than the payload lists), and every service deploys rather than one being missed.
 */
export const pushTouches = (rootDirectory: string, changedPaths: ReadonlyArray<string> | null): boolean => {
  if (changedPaths === null) return true
  const root = rootDirectory.replace(/^\/+|\/+$/g, "")
  if (root === "") return true
  return changedPaths.some((path) => {
    const normalized = path.replace(/^\/+/, "")
    return normalized === root || normalized.startsWith(`${root}/`)
  })
}
