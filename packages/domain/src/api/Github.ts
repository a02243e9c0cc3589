import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import * as Auth from "../Auth.ts"
import { Authentication } from "../Auth.ts"
import { GithubInstallationId, WorkspaceId } from "../Ids.ts"
import { GithubAccountType, GithubInstallationStatus } from "../Integrations.ts"
import * as Rules from "../Rules.ts"
import { Instant } from "./Projects.ts"

/**
 * Connecting GitHub: install the Starform GitHub App on an account (the install URL carries a signed state naming
 * the workspace), GitHub sends the browser back to the setup callback, and the installation's repositories can
 * then be chosen as service sources.
 */

export const InstallationView = Schema.Struct({
  id: GithubInstallationId.annotate({ description: "The installation's id at Starform." }),
  workspaceId: WorkspaceId.annotate({ description: "The workspace the installation serves." }),
  /** GitHub's own installation id. */
  installationId: Schema.Int.annotate({ description: "GitHub's own installation id." }),
  accountLogin: Schema.String.annotate({ description: "The GitHub account the app is installed on." }),
  accountType: GithubAccountType.annotate({ description: "Whether that account is a user or an organization." }),
  /** `suspended` or `uninstalled`: pushes no longer deploy, and the affected services say why. */
  status: GithubInstallationStatus.annotate({
    description: "`suspended` or `uninstalled`: pushes no longer deploy, and the affected services say why.",
  }),
  suspendedAt: Schema.NullOr(Instant).annotate({
    description: "When GitHub suspended the installation; null when it is not.",
  }),
  createdAt: Instant.annotate({ description: "When the installation was connected." }),
}).annotate({
  identifier: "GithubInstallation",
  description: "The Starform GitHub App installed on a GitHub account, for a workspace.",
})
export type InstallationView = typeof InstallationView.Type

export const RepositoryView = Schema.Struct({
  id: Schema.Int.annotate({ description: "GitHub's id of the repository." }),
  fullName: Schema.String.annotate({ description: "The repository as `owner/name`." }),
  name: Schema.String.annotate({ description: "The repository's name." }),
  private: Schema.Boolean.annotate({ description: "Whether the repository is private." }),
  defaultBranch: Schema.String.annotate({ description: "The repository's default branch." }),
}).annotate({ identifier: "GithubRepository", description: "A repository the installation can read." })
export type RepositoryView = typeof RepositoryView.Type

export const InstallLink = Schema.Struct({
  /** Send the browser here to install the app; GitHub returns it to the setup callback. */
  url: Schema.String.annotate({
    description: "Send the browser here to install the app; GitHub returns it to the setup callback.",
  }),
  /** Valid for an hour, for this workspace only. */
  expiresAt: Instant.annotate({ description: "The link is valid for an hour, for this workspace only." }),
}).annotate({
  identifier: "GithubInstallLink",
  description: "Where to send the browser to install the Starform GitHub App for a workspace.",
})
export type InstallLink = typeof InstallLink.Type

export const SetupQuery = Schema.Struct({
  installation_id: Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThan(0))
    .annotate({
      message: "must be GitHub's installation id, a positive whole number",
    })
    .annotate({ description: "GitHub's installation id, as GitHub sends it back." }),
  setup_action: Schema.optionalKey(Schema.Literals(["install", "update", "request"])).annotate({
    description:
      "What GitHub did: `install`, `update`, or `request` (an organization member asked an owner to install).",
  }),
  state: Schema.String.check(Rules.noNul, Schema.isMinLength(1))
    .annotate({ message: "must be the state of an install link" })
    .annotate({ description: "The signed state of the install link, naming the workspace." }),
})

export const GithubGroup = HttpApiGroup.make("github")
  .add(
    HttpApiEndpoint.post("createInstallLink", "/v1/workspaces/:workspaceId/github/install-link", {
      params: { workspaceId: WorkspaceId },
      success: InstallLink.pipe(HttpApiSchema.status(201)),
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("integration.manage", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "A link that installs the Starform GitHub App for this workspace")
      .annotate(
        OpenApi.Description,
        "The link carries a signed state naming the workspace and is valid for an hour. GitHub sends the browser back to `GET /v1/github/setup`.",
      ),
    HttpApiEndpoint.get("listInstallations", "/v1/workspaces/:workspaceId/github/installations", {
      params: { workspaceId: WorkspaceId },
      success: Schema.Array(InstallationView).annotate({ description: "The workspace's GitHub installations." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("integration.read", Auth.inWorkspace()))
      .annotate(OpenApi.Summary, "The GitHub installations of a workspace")
      .annotate(
        OpenApi.Description,
        "Accounts the Starform GitHub App is installed on for this workspace, and their status.",
      ),
    HttpApiEndpoint.get("listRepositories", "/v1/github/installations/:installationId/repositories", {
      params: { installationId: GithubInstallationId },
      success: Schema.Array(RepositoryView).annotate({ description: "The installation's repositories." }),
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("integration.read", Auth.ofBuildsResource("installation", "installationId")))
      .annotate(OpenApi.Summary, "The repositories the installation gives Starform access to")
      .annotate(OpenApi.Description, "As GitHub lists them for the installation."),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "GitHub")
  .annotate(
    OpenApi.Description,
    "Connecting GitHub: install the Starform GitHub App on an account for a workspace, then choose its repositories as service sources. Pushes to a branch mapped to an environment deploy its services.",
  )

/**
 * GitHub's redirect after an installation (the app's Setup URL). No bearer token comes with a browser redirect: the
 * signed `state` of the install link names the workspace and expires after an hour.
 */
export const GithubSetupGroup = HttpApiGroup.make("githubSetup")
  .add(
    HttpApiEndpoint.get("completeInstallation", "/v1/github/setup", {
      query: SetupQuery,
      success: InstallationView,
      error: [ValidationFailed, NotFound, Conflict],
    })
      .annotate(OpenApi.Summary, "GitHub's setup callback: links the installation to the install link's workspace")
      .annotate(
        OpenApi.Description,
        "Called by the browser on its way back from GitHub, with GitHub's `installation_id` and the install link's `state`. No token is needed: the signed `state` names the workspace, and it expires with the link.",
      ),
  )
  .annotate(OpenApi.Title, "GitHub setup")
  .annotate(OpenApi.Description, "The callback GitHub sends the browser to after the Starform GitHub App is installed.")
