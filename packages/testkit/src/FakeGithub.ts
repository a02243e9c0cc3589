import { createPublicKey, generateKeyPairSync, randomBytes, verify } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

/**
 * GitHub's REST API as a GitHub App sees it, on a real HTTP server on 127.0.0.1, for `@octokit/*` pointed at it
 * with `baseUrl`. It answers as docs.github.com documents: app JWTs (RS256, `iss` = the app id, at most 10 minutes)
 * on `/app/*`, installation access tokens (`ghs_…`, one hour) on the rest, 401 `Bad credentials` otherwise,
 * `Link` pagination, and 404 `Not Found` for what the caller may not see.
 */

export interface FakeAccount {
  readonly login: string
  readonly id: number
  readonly type: "User" | "Organization"
}

export interface FakeRepository {
  readonly id: number
  readonly name: string
  readonly fullName: string
  readonly private: boolean
  readonly defaultBranch: string
}

export interface FakeInstallation {
  readonly id: number
  readonly account: FakeAccount
  readonly repositories: Array<FakeRepository>
  suspendedAt: string | null
}

export interface FakeCommit {
  readonly sha: string
  readonly message: string
  /** Paths this commit changed, relative to the repository root. */
  readonly files: ReadonlyArray<string>
  readonly parent: string | null
}

export interface FakeGithubOptions {
  /** How long minted installation tokens live (GitHub: one hour). */
  readonly tokenLifetimeMs?: number
  readonly appId?: number
}

interface IssuedToken {
  readonly installationId: number
  readonly expiresAt: number
}

const documentation = "https://docs.github.com/rest"

export class FakeGithub {
  readonly appId: number
  readonly appSlug = "starform-test"
  /** The app's private key (PKCS#1 PEM, as GitHub hands it out): what `@octokit/auth-app` signs JWTs with. */
  readonly privateKey: string
  private readonly publicKey: ReturnType<typeof createPublicKey>
  readonly installations = new Map<number, FakeInstallation>()
  /** Commits by repository full name, then sha. */
  readonly commits = new Map<string, Map<string, FakeCommit>>()
  private readonly tokens = new Map<string, IssuedToken>()
  private readonly branches = new Map<string, string>()
  tokenLifetimeMs: number
  /** How many installation tokens were minted, per installation id. */
  readonly minted = new Map<number, number>()
  /** Every request, `METHOD path`, in order. */
  readonly requests: Array<string> = []
  private server: Server | undefined
  url = ""

  constructor(options: FakeGithubOptions = {}) {
    this.appId = options.appId ?? 424242
    this.tokenLifetimeMs = options.tokenLifetimeMs ?? 60 * 60 * 1000
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 })
    this.privateKey = pair.privateKey.export({ type: "pkcs1", format: "pem" }).toString()
    this.publicKey = createPublicKey(pair.publicKey.export({ type: "spki", format: "pem" }))
  }

  addInstallation(spec: {
    readonly id: number
    readonly account: FakeAccount
    readonly repositories?: ReadonlyArray<Omit<FakeRepository, "fullName"> | FakeRepository>
  }): FakeInstallation {
    const installation: FakeInstallation = {
      id: spec.id,
      account: spec.account,
      repositories: (spec.repositories ?? []).map((repo) => ({
        ...repo,
        fullName: "fullName" in repo ? repo.fullName : `${spec.account.login}/${repo.name}`,
      })),
      suspendedAt: null,
    }
    this.installations.set(spec.id, installation)
    return installation
  }

  /** Points `branch` of the repository at a commit added with `addCommit`. */
  setBranch(repoFullName: string, branch: string, sha: string): void {
    this.branches.set(`${repoFullName.toLowerCase()}#${branch}`, sha)
  }

  addCommit(repoFullName: string, commit: FakeCommit): void {
    const repo = this.commits.get(repoFullName) ?? new Map<string, FakeCommit>()
    repo.set(commit.sha, commit)
    this.commits.set(repoFullName, repo)
  }

  /** Makes every token minted so far expire now, as an hour passing would. */
  expireTokens(): void {
    for (const [token, issued] of this.tokens) this.tokens.set(token, { ...issued, expiresAt: Date.now() - 1 })
  }

  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      const server = createServer((req, res) => {
        this.handle(req, res).catch((error: unknown) =>
          send(res, 500, { message: String(error), documentation_url: documentation }),
        )
      })
      server.once("error", reject)
      server.listen(0, "127.0.0.1", () => {
        this.server = server
        this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
        resolve(this.url)
      })
    })
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.server === undefined) return resolve()
      this.server.closeAllConnections()
      this.server.close(() => resolve())
    })
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const method = req.method ?? "GET"
    this.requests.push(`${method} ${url.pathname}`)
    for await (const _ of req) {
      // the endpoints served read no body; drain it so keep-alive connections stay usable
    }
    const auth = req.headers.authorization ?? ""
    const on = (verb: string, pattern: RegExp) => (method === verb ? url.pathname.match(pattern) : null)
    let match: RegExpMatchArray | null

    match = on("POST", /^\/app\/installations\/(\d+)\/access_tokens$/)
    if (match) {
      if (!this.appJwtValid(auth)) return badCredentials(res)
      const installation = this.installations.get(Number(match[1]))
      if (installation === undefined) return notFound(res)
      if (installation.suspendedAt !== null)
        return send(res, 403, { message: "This installation has been suspended", documentation_url: documentation })
      const token = `ghs_${randomBytes(18).toString("base64url").replace(/[-_]/g, "a").slice(0, 36)}`
      const expiresAt = Date.now() + this.tokenLifetimeMs
      this.tokens.set(token, { installationId: installation.id, expiresAt })
      this.minted.set(installation.id, (this.minted.get(installation.id) ?? 0) + 1)
      return send(res, 201, {
        token,
        expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions: { contents: "read", metadata: "read" },
        repository_selection: "selected",
      })
    }
    match = on("GET", /^\/app\/installations\/(\d+)$/)
    if (match) {
      if (!this.appJwtValid(auth)) return badCredentials(res)
      const installation = this.installations.get(Number(match[1]))
      if (installation === undefined) return notFound(res)
      return send(res, 200, this.installationJson(installation))
    }
    if (url.pathname === "/app" && method === "GET") {
      if (!this.appJwtValid(auth)) return badCredentials(res)
      return send(res, 200, { id: this.appId, slug: this.appSlug, name: "Starform (test)" })
    }

    const installation = this.installationOf(auth)
    if (installation === undefined) return badCredentials(res)

    if (url.pathname === "/installation/repositories" && method === "GET") {
      const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 30) || 30)
      const page = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1)
      const all = installation.repositories
      const slice = all.slice((page - 1) * perPage, page * perPage)
      const last = Math.max(1, Math.ceil(all.length / perPage))
      const links: Array<string> = []
      const pageUrl = (n: number) => `${this.url}/installation/repositories?per_page=${perPage}&page=${n}`
      if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`)
      if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`, `<${pageUrl(page - 1)}>; rel="prev"`)
      return send(
        res,
        200,
        {
          total_count: all.length,
          repository_selection: "selected",
          repositories: slice.map((repo) => this.repositoryJson(installation, repo)),
        },
        links.length > 0 ? { link: links.join(", ") } : {},
      )
    }
    match = on("GET", /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)$/)
    if (match) {
      const repo = this.visibleRepo(installation, `${match[1]}/${match[2]}`)
      // the ref is a commit SHA or a branch name
      const sha = repo && (this.branches.get(`${repo.fullName.toLowerCase()}#${match[3]}`) ?? match[3]!)
      const commit = repo && sha && this.commits.get(repo.fullName)?.get(sha)
      if (!commit) return notFound(res)
      return send(res, 200, {
        ...this.commitJson(repo, commit),
        files: commit.files.map((filename) => ({
          filename,
          status: "modified",
          additions: 1,
          deletions: 0,
          changes: 1,
        })),
      })
    }
    match = on("GET", /^\/repos\/([^/]+)\/([^/]+)\/compare\/([^/.]+)\.\.\.([^/.]+)$/)
    if (match) {
      const repo = this.visibleRepo(installation, `${match[1]}/${match[2]}`)
      const known = repo && this.commits.get(repo.fullName)
      if (!repo || !known?.has(match[3]!) || !known.has(match[4]!)) return notFound(res)
      const between: Array<FakeCommit> = []
      for (let at = known.get(match[4]!); at && at.sha !== match[3]; at = at.parent ? known.get(at.parent) : undefined)
        between.unshift(at)
      const files = [...new Set(between.flatMap((commit) => commit.files))]
      return send(res, 200, {
        status: "ahead",
        ahead_by: between.length,
        behind_by: 0,
        total_commits: between.length,
        commits: between.map((commit) => this.commitJson(repo, commit)),
        // GitHub lists at most 300 files in a comparison
        files: files
          .slice(0, 300)
          .map((filename) => ({ filename, status: "modified", additions: 1, deletions: 0, changes: 1 })),
      })
    }
    return notFound(res)
  }

  private appJwtValid(authorization: string): boolean {
    const token = authorization.match(/^Bearer (\S+)$/i)?.[1]
    const parts = token?.split(".")
    if (parts?.length !== 3) return false
    try {
      const header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString())
      const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString())
      if (header.alg !== "RS256") return false
      const signed = verify(
        "RSA-SHA256",
        Buffer.from(`${parts[0]}.${parts[1]}`),
        this.publicKey,
        Buffer.from(parts[2]!, "base64url"),
      )
      const now = Math.floor(Date.now() / 1000)
      return (
        signed &&
        String(claims.iss) === String(this.appId) &&
        typeof claims.exp === "number" &&
        claims.exp > now &&
        claims.exp - claims.iat <= 600 + 60 &&
        claims.iat <= now + 60
      )
    } catch {
      return false
    }
  }

  private installationOf(authorization: string): FakeInstallation | undefined {
    const token = authorization.match(/^(?:token|Bearer) (ghs_\S+)$/i)?.[1]
    const issued = token === undefined ? undefined : this.tokens.get(token)
    if (issued === undefined || issued.expiresAt <= Date.now()) return undefined
    const installation = this.installations.get(issued.installationId)
    return installation?.suspendedAt === null ? installation : undefined
  }

  private visibleRepo(installation: FakeInstallation, fullName: string): FakeRepository | undefined {
    return installation.repositories.find((repo) => repo.fullName.toLowerCase() === fullName.toLowerCase())
  }

  private accountJson(account: FakeAccount) {
    return {
      login: account.login,
      id: account.id,
      node_id: Buffer.from(`04:${account.type}${account.id}`).toString("base64"),
      avatar_url: `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
      url: `https://api.github.com/users/${account.login}`,
      html_url: `https://github.com/${account.login}`,
      type: account.type,
      site_admin: false,
    }
  }

  installationJson(installation: FakeInstallation) {
    return {
      id: installation.id,
      account: this.accountJson(installation.account),
      repository_selection: "selected",
      access_tokens_url: `${this.url}/app/installations/${installation.id}/access_tokens`,
      repositories_url: `${this.url}/installation/repositories`,
      html_url: `https://github.com/settings/installations/${installation.id}`,
      app_id: this.appId,
      app_slug: this.appSlug,
      target_id: installation.account.id,
      target_type: installation.account.type,
      permissions: { contents: "read", metadata: "read" },
      events: ["push"],
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
      single_file_name: null,
      suspended_by: null,
      suspended_at: installation.suspendedAt,
    }
  }

  private repositoryJson(installation: FakeInstallation, repo: FakeRepository) {
    return {
      id: repo.id,
      node_id: Buffer.from(`010:Repository${repo.id}`).toString("base64"),
      name: repo.name,
      full_name: repo.fullName,
      private: repo.private,
      owner: this.accountJson(installation.account),
      html_url: `https://github.com/${repo.fullName}`,
      description: null,
      fork: false,
      url: `https://api.github.com/repos/${repo.fullName}`,
      clone_url: `https://github.com/${repo.fullName}.git`,
      default_branch: repo.defaultBranch,
      visibility: repo.private ? "private" : "public",
      archived: false,
      disabled: false,
      pushed_at: "2026-01-01T00:00:00Z",
      created_at: "2025-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
    }
  }

  private commitJson(repo: FakeRepository, commit: FakeCommit) {
    const person = { name: "Ada Lovelace", email: "ada@example.com", date: "2026-01-01T00:00:00Z" }
    return {
      sha: commit.sha,
      node_id: Buffer.from(`06:Commit${commit.sha}`).toString("base64"),
      commit: { author: person, committer: person, message: commit.message, tree: { sha: commit.sha } },
      url: `https://api.github.com/repos/${repo.fullName}/commits/${commit.sha}`,
      html_url: `https://github.com/${repo.fullName}/commit/${commit.sha}`,
      parents: commit.parent === null ? [] : [{ sha: commit.parent }],
    }
  }
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "x-github-media-type": "github.v3; format=json",
    ...headers,
  })
  res.end(text)
}

const badCredentials = (res: ServerResponse) =>
  send(res, 401, { message: "Bad credentials", documentation_url: documentation, status: "401" })

const notFound = (res: ServerResponse) =>
  send(res, 404, { message: "Not Found", documentation_url: documentation, status: "404" })

/** A fake GitHub listening for the scope's lifetime. */
export const make = (options: FakeGithubOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const fake = new FakeGithub(options)
      await fake.listen()
      return fake
    }),
    (fake) => Effect.promise(() => fake.close()),
  )
