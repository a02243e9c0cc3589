import { Schema } from "effect"
import { JsonObject, Timestamp } from "./Columns.ts"
import {
  ClusterId,
  DomainId,
  EnvironmentId,
  GithubInstallationId,
  ProjectId,
  RegionId,
  ServiceId,
  WorkspaceId,
} from "./Ids.ts"
import { EnvironmentName, Hostname, ProjectName, ServiceName } from "./Names.ts"
import * as Rules from "./Rules.ts"

/** Projects, their environments, the services in them and the domains that route to those services. */

/** A free-text description of a project or var group. */
export const Description = Rules.text(500).annotate({
  description: "Free text, at most 500 characters.",
  examples: ["The web shop and its workers"],
})

/** How many deployments per service a project keeps. */
export const DeploymentRetention = Rules.int(1, 1000).annotate({
  description: "How many deployments per service are kept (1 to 1000); the serving and in-progress ones always are.",
  examples: [20],
})

/** A project: a set of services deployed together, in one or more environments (`projects`). */
export class Project extends Schema.Class<Project>("Project")({
  id: ProjectId,
  workspaceId: WorkspaceId,
  name: ProjectName,
  description: Schema.NullOr(Description),
  /** Placement prefers clusters of this region; null: any region. */
  regionId: Schema.NullOr(RegionId),
  /** How many deployments per service are kept (the serving and in-progress ones always are). */
  deploymentRetention: DeploymentRetention,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** A Git branch name, as a push names it. */
export const GitBranch = Rules.text(255, 1).annotate({ description: "A Git branch name.", examples: ["main"] })

/**
 * One environment of a project, e.g. `production` or `pr-42` (`environments`): a namespace in one cluster.
 * Preview environments are told apart by `isEphemeral`, never by their name.
 */
export class Environment extends Schema.Class<Environment>("Environment")({
  id: EnvironmentId,
  projectId: ProjectId,
  name: EnvironmentName,
  isEphemeral: Schema.Boolean,
  /** The branch whose pushes deploy here. */
  gitBranch: Schema.NullOr(GitBranch),
  /** Null until placement picks a cluster. */
  clusterId: Schema.NullOr(ClusterId),
  clonedFromEnvironmentId: Schema.NullOr(EnvironmentId),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const serviceTypes = ["web", "worker", "cron"] as const
export const ServiceType = Rules.oneOf(serviceTypes).annotate({
  description:
    "`web` (listens on a port, may be public), `worker` (runs continuously, no port) or `cron` (runs on a schedule).",
})
export type ServiceType = typeof ServiceType.Type

export const sourceTypes = ["repo", "image"] as const
export const SourceType = Rules.oneOf(sourceTypes).annotate({
  description: "`repo` (built from a GitHub repository) or `image` (run from a ready-made image).",
})
export type SourceType = typeof SourceType.Type

/** A GitHub repository as `owner/name`. */
export const RepoFullName = Rules.matching(
  "repo-full-name",
  /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
  "must be a repository as owner/name, e.g. acme/api",
).annotate({ description: "A GitHub repository as `owner/name`.", examples: ["acme/shop"] })

/** Where in the repository the service's code lives, e.g. `/` or `/apps/api`. */
export const RootDirectory = Rules.matching("absolute-path", /^\//, "must be a path starting with '/'").annotate({
  description: "Where in the repository the service's code lives (default `/`).",
  examples: ["/apps/api"],
})

/** A container image reference, e.g. `ghcr.io/acme/api:1.2.3`. */
export const ImageRef = Rules.text(512, 1).annotate({
  description: "A container image reference.",
  examples: ["ghcr.io/acme/api:1.2.3"],
})

/** A TCP port. */
export const Port = Rules.int(1, 65535).annotate({
  description: "The TCP port a web service listens on.",
  examples: [8080],
})

/** Five cron fields, or one of the macros a Kubernetes CronJob accepts. */
export const CronSchedule = Rules.matching(
  "cron-schedule",
  /^(@(yearly|annually|monthly|weekly|daily|hourly)|\S+(\s+\S+){4})$/,
  "must be a cron schedule of five fields (e.g. '*/5 * * * *') or @yearly, @monthly, @weekly, @daily or @hourly",
).annotate({
  description: "When a cron service runs: five cron fields, or `@yearly`, `@monthly`, `@weekly`, `@daily`, `@hourly`.",
  examples: ["*/5 * * * *"],
})

/**
 * A service's configuration beyond its columns: probes, resources, autoscaling, build and start overrides.
 * The projects service defines its shape; until then it is any JSON object.
 */
export const ServiceConfig = JsonObject
export type ServiceConfig = typeof ServiceConfig.Type

/**
 * What each type and source of service needs, as the `services` CHECKs state it: a web service listens on a
 * port, a cron service runs on a schedule, a worker has neither; only web services can be public; a service
 * built from a repository names it and a branch, one run from an image names the image.
 */
const serviceShape = Schema.makeFilter(
  (service: {
    readonly type: ServiceType
    readonly sourceType: SourceType
    readonly repoFullName: string | null
    readonly branch: string | null
    readonly imageRef: string | null
    readonly port: number | null
    readonly cronSchedule: string | null
    readonly isPublic: boolean
  }) => {
    const issues: Array<{ readonly path: ReadonlyArray<string>; readonly issue: string }> = []
    const web = service.type === "web"
    const cron = service.type === "cron"
    if (web && service.port === null) issues.push({ path: ["port"], issue: "a web service needs a port" })
    if (!web && service.port !== null) issues.push({ path: ["port"], issue: "only a web service listens on a port" })
    if (cron && service.cronSchedule === null) {
      issues.push({ path: ["cronSchedule"], issue: "a cron service needs a schedule" })
    }
    if (!cron && service.cronSchedule !== null) {
      issues.push({ path: ["cronSchedule"], issue: "only a cron service has a schedule" })
    }
    if (!web && service.isPublic) issues.push({ path: ["isPublic"], issue: "only a web service can be public" })
    if (service.sourceType === "repo" && service.repoFullName === null) {
      issues.push({ path: ["repoFullName"], issue: "a service built from a repository needs the repository" })
    }
    if (service.sourceType === "repo" && service.branch === null) {
      issues.push({ path: ["branch"], issue: "a service built from a repository needs a branch" })
    }
    if (service.sourceType === "image" && service.imageRef === null) {
      issues.push({ path: ["imageRef"], issue: "a service run from an image needs the image reference" })
    }
    return issues
  },
  { rule: "service-shape" },
)

/** A web service, worker or cron job in one environment (`services`). */
export class Service extends Schema.Class<Service>("Service")(
  Schema.Struct({
    id: ServiceId,
    projectId: ProjectId,
    environmentId: EnvironmentId,
    name: ServiceName,
    type: ServiceType,
    sourceType: SourceType,
    repoFullName: Schema.NullOr(RepoFullName),
    branch: Schema.NullOr(GitBranch),
    rootDirectory: RootDirectory,
    /** Null when the GitHub App was uninstalled: the repository stays linked and deploys fail with a reason. */
    githubInstallationId: Schema.NullOr(GithubInstallationId),
    imageRef: Schema.NullOr(ImageRef),
    port: Schema.NullOr(Port),
    cronSchedule: Schema.NullOr(CronSchedule),
    /** A public web service gets a route from the internet; a private one is reachable only in its environment. */
    isPublic: Schema.Boolean,
    autoDeploy: Schema.Boolean,
    autoDeployDisabledReason: Schema.NullOr(Schema.String),
    config: ServiceConfig,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  }).check(serviceShape),
) {}

export const domainKinds = ["generated", "custom"] as const
export const DomainKind = Rules.oneOf(domainKinds)
export type DomainKind = typeof DomainKind.Type

export const domainStatuses = ["pending_verification", "verified", "active", "failed"] as const
export const DomainStatus = Rules.oneOf(domainStatuses)
export type DomainStatus = typeof DomainStatus.Type

/** A hostname that routes to a web service (`domains`): generated by Starform or the customer's own. */
export class Domain extends Schema.Class<Domain>("Domain")({
  id: DomainId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  serviceId: ServiceId,
  hostname: Hostname,
  kind: DomainKind,
  status: DomainStatus,
  /** The value the customer publishes in DNS to prove they own a custom domain. */
  verificationToken: Schema.NullOr(Schema.String),
  verifiedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}
