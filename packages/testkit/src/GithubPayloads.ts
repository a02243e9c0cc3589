import { randomBytes, randomUUID } from "node:crypto"
import { sign } from "@octokit/webhooks-methods"

/**
 * Webhook deliveries as GitHub sends them: the `push` and `installation` payload shapes of GitHub's webhook
 * reference, and the headers of a delivery (`X-GitHub-Event`, `X-GitHub-Delivery`, `X-Hub-Signature-256`, …),
 * signed with the test secret exactly as GitHub signs (HMAC-SHA256 of the raw body, hex).
 */

export const testSecret = "starform-webhook-test-secret"

export const sha = (): string => randomBytes(20).toString("hex")

export interface Account {
  readonly login: string
  readonly id: number
  readonly type?: "User" | "Organization"
}

const user = (account: Account) => ({
  name: account.login,
  email: `${account.id}+${account.login}@users.noreply.github.com`,
  login: account.login,
  id: account.id,
  node_id: Buffer.from(`04:User${account.id}`).toString("base64"),
  avatar_url: `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
  gravatar_id: "",
  url: `https://api.github.com/users/${account.login}`,
  html_url: `https://github.com/${account.login}`,
  type: account.type ?? "User",
  site_admin: false,
})

const repository = (fullName: string, repoId: number, owner: Account) => {
  const name = fullName.split("/")[1]!
  return {
    id: repoId,
    node_id: Buffer.from(`010:Repository${repoId}`).toString("base64"),
    name,
    full_name: fullName,
    private: true,
    owner: user(owner),
    html_url: `https://github.com/${fullName}`,
    description: null,
    fork: false,
    url: `https://github.com/${fullName}`,
    created_at: 1_700_000_000,
    updated_at: "2026-01-01T00:00:00Z",
    pushed_at: Math.floor(Date.now() / 1000),
    git_url: `git://github.com/${fullName}.git`,
    ssh_url: `git@github.com:${fullName}.git`,
    clone_url: `https://github.com/${fullName}.git`,
    size: 100,
    default_branch: "main",
    master_branch: "main",
    visibility: "private",
    archived: false,
    disabled: false,
  }
}

export interface PushCommit {
  readonly id?: string
  readonly message?: string
  readonly added?: ReadonlyArray<string>
  readonly modified?: ReadonlyArray<string>
  readonly removed?: ReadonlyArray<string>
}

export interface PushSpec {
  readonly repoFullName: string
  readonly branch: string
  readonly installationId: number
  readonly before?: string
  readonly after?: string
  readonly commits?: ReadonlyArray<PushCommit>
  /** A new branch: `before` is all zeros and `created` is true. */
  readonly created?: boolean
  readonly deleted?: boolean
  readonly forced?: boolean
  readonly repoId?: number
  readonly sender?: Account
}

/** A `push` event payload. */
export const push = (spec: PushSpec) => {
  const owner: Account = { login: spec.repoFullName.split("/")[0]!, id: 1000 }
  const sender = spec.sender ?? { login: "ada", id: 2001 }
  const commits = (spec.commits ?? [{ modified: ["README.md"] }]).map((commit, index, all) => ({
    id: commit.id ?? (index === all.length - 1 && spec.after ? spec.after : sha()),
    tree_id: sha(),
    distinct: true,
    message: commit.message ?? `Change ${index + 1}`,
    timestamp: "2026-05-01T12:00:00+00:00",
    url: `https://github.com/${spec.repoFullName}/commit/${commit.id ?? ""}`,
    author: { name: "Ada Lovelace", email: "ada@example.com", username: sender.login },
    committer: { name: "GitHub", email: "noreply@github.com", username: "web-flow" },
    added: [...(commit.added ?? [])],
    removed: [...(commit.removed ?? [])],
    modified: [...(commit.modified ?? [])],
  }))
  const after = spec.deleted ? "0".repeat(40) : (spec.after ?? commits.at(-1)?.id ?? sha())
  const before = spec.created ? "0".repeat(40) : (spec.before ?? sha())
  const head = commits.find((commit) => commit.id === after) ?? commits.at(-1) ?? null
  return {
    ref: `refs/heads/${spec.branch}`,
    before,
    after,
    repository: repository(spec.repoFullName, spec.repoId ?? 5000, owner),
    pusher: { name: sender.login, email: "ada@example.com" },
    sender: user(sender),
    installation: {
      id: spec.installationId,
      node_id: Buffer.from(`MDIz:Installation${spec.installationId}`).toString("base64"),
    },
    created: spec.created ?? false,
    deleted: spec.deleted ?? false,
    forced: spec.forced ?? false,
    base_ref: null,
    compare: `https://github.com/${spec.repoFullName}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: spec.deleted ? [] : commits,
    head_commit: spec.deleted ? null : head,
  }
}

export interface InstallationSpec {
  readonly action: "created" | "deleted" | "suspend" | "unsuspend"
  readonly installationId: number
  readonly account: Account
  readonly repositories?: ReadonlyArray<{ readonly id: number; readonly fullName: string }>
  readonly sender?: Account
}

/** An `installation` event payload (created, deleted, suspend, unsuspend). */
export const installation = (spec: InstallationSpec) => {
  const sender = spec.sender ?? spec.account
  const suspended = spec.action === "suspend"
  return {
    action: spec.action,
    installation: {
      id: spec.installationId,
      client_id: "Iv1.0123456789abcdef",
      account: user({ ...spec.account, type: spec.account.type ?? "Organization" }),
      repository_selection: "selected",
      access_tokens_url: `https://api.github.com/app/installations/${spec.installationId}/access_tokens`,
      repositories_url: "https://api.github.com/installation/repositories",
      html_url: `https://github.com/organizations/${spec.account.login}/settings/installations/${spec.installationId}`,
      app_id: 424242,
      app_slug: "starform",
      target_id: spec.account.id,
      target_type: spec.account.type ?? "Organization",
      permissions: { contents: "read", metadata: "read" },
      events: ["push"],
      created_at: "2026-01-01T00:00:00.000Z",
      updated_at: "2026-05-01T12:00:00.000Z",
      single_file_name: null,
      has_multiple_single_files: false,
      single_file_paths: [],
      suspended_by: suspended ? user(sender) : null,
      suspended_at: suspended ? "2026-05-01T12:00:00Z" : null,
    },
    repositories: (spec.repositories ?? []).map((repo) => ({
      id: repo.id,
      node_id: Buffer.from(`010:Repository${repo.id}`).toString("base64"),
      name: repo.fullName.split("/")[1]!,
      full_name: repo.fullName,
      private: true,
    })),
    requester: null,
    sender: user(sender),
  }
}

export interface Delivery {
  readonly id: string
  readonly event: string
  readonly body: string
  readonly headers: Record<string, string>
}

/** A delivery of `payload` as event `event`, signed with `secret` (the test secret by default). */
export const deliver = async (
  event: string,
  payload: unknown,
  options: { readonly secret?: string; readonly deliveryId?: string } = {},
): Promise<Delivery> => {
  const body = JSON.stringify(payload)
  const id = options.deliveryId ?? randomUUID()
  const signature = await sign(options.secret ?? testSecret, body)
  return {
    id,
    event,
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/7c1d2a9",
      "x-github-event": event,
      "x-github-delivery": id,
      "x-github-hook-id": "987654321",
      "x-github-hook-installation-target-type": "integration",
      "x-github-hook-installation-target-id": "424242",
      "x-hub-signature-256": signature,
    },
  }
}
