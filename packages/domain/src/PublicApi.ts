import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { BuildsGroup } from "./api/Builds.ts"
import { ClustersGroup } from "./api/Clusters.ts"
import { DeploymentsGroup } from "./api/Deployments.ts"
import { DeviceApprovalGroup, DeviceAuthGroup } from "./api/DeviceAuth.ts"
import { DomainsGroup } from "./api/Domains.ts"
import { GithubGroup, GithubSetupGroup } from "./api/Github.ts"
import { IdentityAuthGroup } from "./api/IdentityAuth.ts"
import { IdentityMeGroup } from "./api/IdentityMe.ts"
import { ProjectsGroup } from "./api/Projects.ts"
import { ServicesGroup } from "./api/Services.ts"
import { VariablesGroup } from "./api/Variables.ts"
import { WorkspacesGroup } from "./api/Workspaces.ts"
import { WorkspacesAccessGroup } from "./api/WorkspacesAccess.ts"
import * as RequestBodies from "./RequestBodies.ts"

/** What `/healthz` reports: the gateway itself answers, and each dependency it needs to serve requests. */
export class HealthReport extends Schema.Class<HealthReport>("HealthReport")(
  Schema.Struct({
    status: Schema.Literals(["ok", "unavailable"]).annotate({ description: "`ok` when every check passed." }),
    checks: Schema.Struct({
      database: Schema.Literals(["ok", "unreachable"]).annotate({ description: "Whether the database answers." }),
    }).annotate({ description: "Each dependency the gateway needs, and whether it answers." }),
  }).annotate({ description: "The gateway answers, and each dependency it needs to serve requests." }),
  { description: "The gateway and its dependencies answer." },
) {}

export class Unhealthy extends Schema.TaggedError<Unhealthy>()(
  "Unhealthy",
  {
    _tag: Schema.tag("Unhealthy").annotate({ description: "`Unhealthy`." }),
    report: HealthReport,
  },
  { httpApiStatus: 503, description: "A dependency does not answer: `report` says which." },
) {}

export const SystemGroup = HttpApiGroup.make("system")
  .add(
    HttpApiEndpoint.get("healthz", "/healthz", {
      success: HealthReport,
      error: Unhealthy,
    })
      .annotate(OpenApi.Summary, "Liveness and readiness: 200 when the gateway can reach its database, 503 otherwise")
      .annotate(
        OpenApi.Description,
        "For load balancers and uptime checks; needs no token. 200 while the gateway can reach its database; 503 naming the dependency that does not answer.",
      ),
  )
  .annotate(OpenApi.Title, "System")
  .annotate(OpenApi.Description, "Health of the gateway and its dependencies.")

/** The public REST API. Later groups (identity, projects, builds, …) are added here. */
export const Api = HttpApi.make("starform")
  .add(SystemGroup)
  .add(IdentityAuthGroup)
  .add(IdentityMeGroup)
  .add(WorkspacesGroup)
  .add(WorkspacesAccessGroup)
  .add(ProjectsGroup)
  .add(ServicesGroup)
  .add(DomainsGroup)
  .add(VariablesGroup)
  .add(DeploymentsGroup)
  .add(ClustersGroup)
  .add(BuildsGroup)
  .add(GithubGroup)
  .add(GithubSetupGroup)
  .add(DeviceAuthGroup)
  .add(DeviceApprovalGroup)
  // What no endpoint accepts as a body (not JSON, too large, too deep, a body where none is declared); see RequestBodies.
  .middleware(RequestBodies.Guard)
  // A request with several bad fields hears about all of them at once; a field the contract does not name is refused
  // (the published schemas say `additionalProperties: false`).
  .annotate(HttpApi.PayloadParseOptions, { errors: "all", onExcessProperty: "error" })
  .annotate(HttpApi.QueryParseOptions, { errors: "all" })
  .annotate(OpenApi.Title, "Starform API")
  .annotate(OpenApi.Version, "0.1.0")
  .annotate(
    OpenApi.Description,
    "Starform runs web services, workers and cron jobs from a Git repository or an image. A workspace holds projects; " +
      "a project holds environments (production, staging, previews); an environment holds services, each deployed as " +
      "numbered, immutable deployments. Authenticate with `Authorization: Bearer <token>` (an access token from " +
      "`POST /v1/auth/login`, or an API token `sf_…`). Every error is JSON `{ code, message }`. Errors, pagination, " +
      "rate limits, idempotency and variable references are explained on the reference page, `/reference`.",
  )
  .annotate(OpenApi.License, {
    name: "Proprietary: all rights reserved by the Starform project",
    url: "/reference#terms",
  })
  .annotate(OpenApi.Servers, [
    { url: "http://127.0.0.1:8080", description: "Starbase on this machine (`npm start`; `PORT`, default 8080)" },
  ])
  .annotateMerge(RequestBodies.openApi)
