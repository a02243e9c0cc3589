import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { createAppAuth } from "@octokit/auth-app"
import { Octokit } from "@octokit/core"
import type { GithubApi } from "@starform/domain"
import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"

/**
 * GitHub's REST API as the Starform GitHub App: the one module that talks to GitHub (`@octokit/auth-app` for the
 * app's JWT and installation access tokens, `@octokit/core` for requests). Tokens are not cached here:
 * `InstallationTokens` keeps them, encrypted, in the database, so every replica shares them.
 */

export interface GithubAppSettings {
  readonly appId: string
  readonly privateKey: Redacted.Redacted<string>
  /** The REST API root: `https://api.github.com`, or a fake's address in tests. */
  readonly apiUrl: string
  /** The app's public page, `https://github.com/apps/<slug>`: where install links send people. */
  readonly appUrl: string
}

/** GitHub is not configured (no app id or key): features that need it say so. */
export class GithubNotConfigured extends Schema.TaggedError<GithubNotConfigured>()("GithubNotConfigured", {}) {
  override get message() {
    return "GitHub is not configured on this Starform: set GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_WEBHOOK_SECRET to connect repositories."
  }
}

/** GitHub refused (401/403/404/422): what it said, and its status. */
export class GithubRefused extends Schema.TaggedError<GithubRefused>()("GithubRefused", {
  status: Schema.Number,
  message: Schema.String,
}) {}

/** GitHub could not be reached or answered 5xx: worth trying again later. */
export class GithubUnavailable extends Schema.TaggedError<GithubUnavailable>()("GithubUnavailable", {
  message: Schema.String,
}) {}

export type GithubError = GithubNotConfigured | GithubRefused | GithubUnavailable

export interface MintedToken {
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: Date
}

export interface InstallationInfo {
  readonly installationId: number
  readonly accountLogin: string
  readonly accountType: "User" | "Organization"
  readonly suspendedAt: Date | null
}

export class GithubApp extends Context.Service<
  GithubApp,
  {
    /** The public page to install the app from, with `state` to come back with. */
    readonly installUrl: (state: string) => Effect.Effect<string, GithubNotConfigured>
    /** Signs `payload` for an install link's state (keyed by the app's private key), so the callback can trust it. */
    readonly signState: (payload: string) => Effect.Effect<string, GithubNotConfigured>
    /** The payload of a state this app signed; None when forged or altered. */
    readonly verifyState: (state: string) => Effect.Effect<Option.Option<string>, GithubNotConfigured>
    /** A new installation access token (one hour), minted with the app's JWT. */
    readonly mintToken: (installationId: number) => Effect.Effect<MintedToken, GithubError>
    readonly getInstallation: (installationId: number) => Effect.Effect<InstallationInfo, GithubError>
    /** Every repository the installation can see, all pages. */
    readonly listRepositories: (
      token: Redacted.Redacted<string>,
    ) => Effect.Effect<ReadonlyArray<GithubApi.RepositoryView>, GithubError>
    /** The commit a branch (or any ref) points at now; None when GitHub does not know it. */
    readonly commitOf: (
      token: Redacted.Redacted<string>,
      repoFullName: string,
      ref: string,
    ) => Effect.Effect<Option.Option<string>, GithubError>
    /**
     * The paths changed between two commits (the compare API). `None` when GitHub cannot list them all (it stops at
     * 300 files) or does not know one of the commits.
     */
    readonly changedPaths: (
      token: Redacted.Redacted<string>,
      repoFullName: string,
      base: string,
      head: string,
    ) => Effect.Effect<Option.Option<ReadonlyArray<string>>, GithubError>
  }
>()("starform/builds/GithubApp") {
  static readonly make = (settings: GithubAppSettings) => {
    const appOctokit = new Octokit({ baseUrl: settings.apiUrl })
    const auth = createAppAuth({
      appId: settings.appId,
      privateKey: Redacted.value(settings.privateKey),
      request: appOctokit.request,
      // the database is the cache (encrypted, shared by replicas); this one would only hide a refresh
      cache: { get: () => "", set: () => undefined },
    })
    const asApp = new Octokit({
      baseUrl: settings.apiUrl,
      authStrategy: createAppAuth,
      auth: { appId: settings.appId, privateKey: Redacted.value(settings.privateKey) },
    })
    const asInstallation = (token: Redacted.Redacted<string>) =>
      new Octokit({ baseUrl: settings.apiUrl, auth: Redacted.value(token) })

    const call = <A>(what: string, run: () => Promise<A>) =>
      Effect.tryPromise({
        try: run,
        catch: (error) => {
          const status = (error as { status?: unknown }).status
          const message = (error as { message?: unknown }).message
          return typeof status === "number" && status >= 400 && status < 500
            ? new GithubRefused({
                status,
                message: `${what}: GitHub answered ${status} ${String(message ?? "")}`.trim(),
              })
            : new GithubUnavailable({ message: `${what}: ${String(message ?? error)}` })
        },
      })

    const stateKey = createHash("sha256")
      .update(`starform install state\n${Redacted.value(settings.privateKey)}`)
      .digest()
    const mac = (payload: string) => createHmac("sha256", stateKey).update(payload).digest("base64url")

    return GithubApp.of({
      signState: (payload) => {
        const body = Buffer.from(payload, "utf8").toString("base64url")
        return Effect.succeed(`${body}.${mac(body)}`)
      },
      verifyState: (state) => {
        const [body, signature] = state.split(".")
        if (body === undefined || signature === undefined) return Effect.succeed(Option.none())
        const expected = Buffer.from(mac(body))
        const given = Buffer.from(signature)
        return Effect.succeed(
          expected.length === given.length && timingSafeEqual(expected, given)
            ? Option.some(Buffer.from(body, "base64url").toString("utf8"))
            : Option.none(),
        )
      },
      installUrl: (state) =>
        Effect.succeed(`${settings.appUrl.replace(/\/$/, "")}/installations/new?state=${encodeURIComponent(state)}`),

      mintToken: Effect.fn("GithubApp.mintToken")(function* (installationId: number) {
        const minted = yield* call(`minting a token for installation ${installationId}`, () =>
          auth({ type: "installation", installationId, refresh: true }),
        )
        return { token: Redacted.make(minted.token), expiresAt: new Date(minted.expiresAt) }
      }),

      getInstallation: Effect.fn("GithubApp.getInstallation")(function* (installationId: number) {
        const response = yield* call(`reading installation ${installationId}`, () =>
          asApp.request("GET /app/installations/{installation_id}", { installation_id: installationId }),
        )
        const data = response.data as {
          readonly id: number
          readonly account: { readonly login?: string; readonly type?: string; readonly slug?: string } | null
          readonly suspended_at: string | null
        }
        return {
          installationId: data.id,
          accountLogin: data.account?.login ?? data.account?.slug ?? "",
          accountType: data.account?.type === "User" ? "User" : "Organization",
          suspendedAt: data.suspended_at === null ? null : new Date(data.suspended_at),
        } satisfies InstallationInfo
      }),

      listRepositories: Effect.fn("GithubApp.listRepositories")(function* (token: Redacted.Redacted<string>) {
        const octokit = asInstallation(token)
        const all: Array<GithubApi.RepositoryView> = []
        for (let page = 1; page <= 100; page++) {
          const response = yield* call("listing the installation's repositories", () =>
            octokit.request("GET /installation/repositories", { per_page: 100, page }),
          )
          const data = response.data as {
            readonly repositories: ReadonlyArray<{
              readonly id: number
              readonly full_name: string
              readonly name: string
              readonly private: boolean
              readonly default_branch?: string
            }>
          }
          for (const repo of data.repositories) {
            all.push({
              id: repo.id,
              fullName: repo.full_name,
              name: repo.name,
              private: repo.private,
              defaultBranch: repo.default_branch ?? "main",
            })
          }
          if (!/rel="next"/.test(String(response.headers.link ?? ""))) break
        }
        return all
      }),

      commitOf: Effect.fn("GithubApp.commitOf")(function* (
        token: Redacted.Redacted<string>,
        repoFullName: string,
        ref: string,
      ) {
        const [owner, repo] = repoFullName.split("/") as [string, string]
        return yield* call(`reading ${ref} of ${repoFullName}`, () =>
          asInstallation(token).request("GET /repos/{owner}/{repo}/commits/{ref}", { owner, repo, ref }),
        ).pipe(
          Effect.map((response) => Option.some((response.data as { readonly sha: string }).sha)),
          Effect.catchTag("GithubRefused", (refused) =>
            refused.status === 404 || refused.status === 422 ? Effect.succeed(Option.none()) : Effect.fail(refused),
          ),
        )
      }),

      changedPaths: Effect.fn("GithubApp.changedPaths")(function* (
        token: Redacted.Redacted<string>,
        repoFullName: string,
        base: string,
        head: string,
      ) {
        const [owner, repo] = repoFullName.split("/") as [string, string]
        const response = yield* call(`comparing ${base.slice(0, 7)}...${head.slice(0, 7)} in ${repoFullName}`, () =>
          asInstallation(token).request("GET /repos/{owner}/{repo}/compare/{basehead}", {
            owner,
            repo,
            basehead: `${base}...${head}`,
          }),
        ).pipe(
          Effect.map(Option.some),
          Effect.catchTag("GithubRefused", (refused) =>
            refused.status === 404 ? Effect.succeed(Option.none()) : Effect.fail(refused),
          ),
        )
        if (Option.isNone(response)) return Option.none()
        const files = (response.value.data as { readonly files?: ReadonlyArray<{ readonly filename: string }> }).files
        // the comparison lists at most 300 files: beyond that the change set is not known in full
        if (files === undefined || files.length >= 300) return Option.none()
        return Option.some(files.map((file) => file.filename))
      }),
    })
  }

  /** An app that is not configured: every call fails with `GithubNotConfigured`. */
  static readonly notConfigured = GithubApp.of({
    installUrl: () => Effect.fail(new GithubNotConfigured()),
    signState: () => Effect.fail(new GithubNotConfigured()),
    verifyState: () => Effect.fail(new GithubNotConfigured()),
    mintToken: () => Effect.fail(new GithubNotConfigured()),
    getInstallation: () => Effect.fail(new GithubNotConfigured()),
    commitOf: () => Effect.fail(new GithubNotConfigured()),
    listRepositories: () => Effect.fail(new GithubNotConfigured()),
    changedPaths: () => Effect.fail(new GithubNotConfigured()),
  })

  static readonly layer = (settings: GithubAppSettings) => Layer.succeed(GithubApp, GithubApp.make(settings))

  /** From `GITHUB_APP_ID`, `GITHUB_APP_PRIVATE_KEY`, `GITHUB_API_URL`, `GITHUB_APP_URL`; not configured without the first two. */
  static readonly layerConfig = Layer.effect(
    GithubApp,
    Effect.gen(function* () {
      const appId = yield* Config.option(Config.String("GITHUB_APP_ID"))
      const privateKey = yield* Config.option(Config.Redacted("GITHUB_APP_PRIVATE_KEY"))
      const apiUrl = yield* Config.String("GITHUB_API_URL").pipe(Config.withDefault("https://api.github.com"))
      const appUrl = yield* Config.String("GITHUB_APP_URL").pipe(Config.withDefault("https://github.com/apps/starform"))
      if (Option.isNone(appId) || Option.isNone(privateKey)) return GithubApp.notConfigured
      return GithubApp.make({ appId: appId.value, privateKey: privateKey.value, apiUrl, appUrl })
    }),
  )
}
