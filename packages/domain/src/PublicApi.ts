import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { BuildsGroup } from "./api/Builds.ts"
import { ClustersGroup } from "./api/Clusters.ts"
import { DeploymentsGroup } from "./api/Deployments.ts"
import { DeviceApprovalGroup, DeviceAuthGroup } from "./api/DeviceAuth.ts"
import { GithubGroup, GithubSetupGroup } from "./api/Github.ts"
import { IdentityAuthGroup } from "./api/IdentityAuth.ts"
import { IdentityMeGroup } from "./api/IdentityMe.ts"
import { ProjectsGroup } from "./api/Projects.ts"
import { ServicesGroup } from "./api/Services.ts"
import { VariablesGroup } from "./api/Variables.ts"
import { WorkspacesGroup } from "./api/Workspaces.ts"
import { WorkspacesAccessGroup } from "./api/WorkspacesAccess.ts"

/** What `/healthz` reports: the gateway itself answers, and each dependency it needs to serve requests. */
export class HealthReport extends Schema.Class<HealthReport>("HealthReport")({
  status: Schema.Literals(["ok", "unavailable"]),
  checks: Schema.Struct({ database: Schema.Literals(["ok", "unreachable"]) }),
}) {}

export class Unhealthy extends Schema.TaggedError<Unhealthy>()(
  "Unhealthy",
  { report: HealthReport },
  { httpApiStatus: 503 },
) {}

export const SystemGroup = HttpApiGroup.make("system")
  .add(
    HttpApiEndpoint.get("healthz", "/healthz", {
      success: HealthReport,
      error: Unhealthy,
    }).annotate(OpenApi.Summary, "Liveness and readiness: 200 when the gateway can reach its database, 503 otherwise"),
  )
  .annotate(OpenApi.Title, "System")

/** The public REST API. Later groups (identity, projects, builds, …) are added here. */
export const Api = HttpApi.make("starform")
  .add(SystemGroup)
  .add(IdentityAuthGroup)
  .add(IdentityMeGroup)
  .add(WorkspacesGroup)
  .add(WorkspacesAccessGroup)
  .add(ProjectsGroup)
  .add(ServicesGroup)
  .add(VariablesGroup)
  .add(DeploymentsGroup)
  .add(ClustersGroup)
  .add(BuildsGroup)
  .add(GithubGroup)
  .add(GithubSetupGroup)
  .add(DeviceAuthGroup)
  .add(DeviceApprovalGroup)
  // A request with several bad fields hears about all of them at once.
  .annotate(HttpApi.PayloadParseOptions, { errors: "all" })
  .annotate(HttpApi.QueryParseOptions, { errors: "all" })
  .annotate(OpenApi.Title, "Starform API")
  .annotate(OpenApi.Version, "0.1.0")
