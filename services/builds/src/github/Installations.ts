import { Catalog, FieldCrypto } from "@starform/crypto"
import { Sql } from "@starform/db"
import { ApiErrors, type GithubApi, Ids, Integrations } from "@starform/domain"
import { Clock, Context, DateTime, Effect, Layer, Option, Redacted, Schema, Semaphore } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { GithubApp, type GithubError } from "./GithubApp.ts"

/**
 * GitHub App installations linked to workspaces (`github_installations`), and their access tokens: minted when
 * none is cached or the cached one expires within `refreshBeforeMs`, stored encrypted
 * (`Catalog.githubInstallationAccessToken`) so that every replica reuses it, and never returned by the API.
 */

export type Installation = Integrations.GithubInstallation

const decodeInstallations = Sql.decodeRows(Integrations.GithubInstallation)
/** The cached token is no field of the entity: it is read on its own, where it is used. */
const CachedToken = Schema.Struct({
  accessTokenCiphertext: Schema.NullOr(Schema.String),
  accessTokenExpiresAt: Integrations.GithubInstallation.fields.accessTokenExpiresAt,
})

/** A cached token is replaced once it has less than this left (GitHub's tokens last an hour). */
export const refreshBeforeMs = 5 * 60 * 1000

export const view = (row: Installation): GithubApi.InstallationView => ({
  id: row.id,
  workspaceId: row.workspaceId,
  installationId: Number(row.installationId),
  accountLogin: row.accountLogin,
  accountType: row.accountType,
  status: row.status,
  suspendedAt: row.suspendedAt === null ? null : DateTime.formatIso(row.suspendedAt),
  createdAt: DateTime.formatIso(row.createdAt),
})

export class Installations extends Context.Service<
  Installations,
  {
    readonly get: (id: string) => Effect.Effect<Option.Option<Installation>>
    readonly byGithubId: (installationId: number) => Effect.Effect<Option.Option<Installation>>
    readonly list: (workspaceId: string) => Effect.Effect<ReadonlyArray<Installation>>
    /** Links GitHub's installation to the workspace (again active if it was uninstalled); another workspace's → Conflict. */
    readonly link: (info: {
      readonly workspaceId: string
      readonly installationId: number
      readonly accountLogin: string
      readonly accountType: "User" | "Organization"
      readonly suspendedAt: Date | null
    }) => Effect.Effect<Installation, ApiErrors.Conflict>
    /** Records an uninstall, suspension or unsuspension; the cached token goes with any of them. */
    readonly setStatus: (
      installationId: number,
      status: Installation["status"],
    ) => Effect.Effect<Option.Option<Installation>>
    /** An access token for the installation: the cached one, or a fresh one when it is missing or about to expire. */
    readonly token: (row: Installation) => Effect.Effect<Redacted.Redacted<string>, GithubError>
  }
>()("starform/builds/Installations") {
  static readonly layer = Layer.effect(
    Installations,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const crypto = yield* FieldCrypto
      const github = yield* GithubApp
      // one mint at a time per installation in this process; replicas may both mint, and either token is valid
      const minting = new Map<string, Semaphore.Semaphore>()
      const lockFor = (id: string) => {
        let lock = minting.get(id)
        if (lock === undefined) {
          lock = Semaphore.makeUnsafe(1)
          minting.set(id, lock)
        }
        return lock
      }

      const one = (rows: ReadonlyArray<Installation>) => Option.fromNullishOr(rows[0])
      const stored = Sql.edge({
        get: (id: string) =>
          sql`SELECT * FROM github_installations WHERE id = ${id}`.pipe(
            Effect.flatMap(decodeInstallations),
            Effect.map(one),
          ),
        byGithubId: (installationId: number) =>
          sql`SELECT * FROM github_installations WHERE installation_id = ${installationId}`.pipe(
            Effect.flatMap(decodeInstallations),
            Effect.map(one),
          ),
        list: (workspaceId: string) =>
          sql`SELECT * FROM github_installations WHERE workspace_id = ${workspaceId} ORDER BY created_at, id`.pipe(
            Effect.flatMap(decodeInstallations),
          ),
        cachedToken: (id: string) =>
          sql`SELECT access_token_ciphertext, access_token_expires_at FROM github_installations WHERE id = ${id}`.pipe(
            Effect.flatMap(Sql.decodeRows(CachedToken)),
            Effect.map((rows) => Option.fromNullishOr(rows[0])),
          ),
        saveToken: (id: string, ciphertext: string, expiresAt: Date) =>
          sql`
            UPDATE github_installations SET access_token_ciphertext = ${ciphertext},
              access_token_expires_at = ${expiresAt}
            WHERE id = ${id}`.pipe(Effect.asVoid),
        upsert: (info: {
          readonly workspaceId: string
          readonly installationId: number
          readonly accountLogin: string
          readonly accountType: "User" | "Organization"
          readonly suspendedAt: Date | null
        }) =>
          sql`
            INSERT INTO github_installations ${sql.insert({
              id: Ids.makeId(Ids.prefixes.githubInstallation),
              workspaceId: info.workspaceId,
              installationId: info.installationId,
              accountLogin: info.accountLogin,
              accountType: info.accountType,
              status: info.suspendedAt === null ? "active" : "suspended",
              suspendedAt: info.suspendedAt,
            })}
            ON CONFLICT (installation_id) DO UPDATE SET status = excluded.status, account_login = excluded.account_login,
              suspended_at = excluded.suspended_at
            WHERE github_installations.workspace_id = excluded.workspace_id
            RETURNING *`.pipe(Effect.flatMap(decodeInstallations), Effect.map(one)),
        setStatus: (installationId: number, status: Installation["status"]) =>
          sql`
            UPDATE github_installations SET status = ${status},
              suspended_at = CASE WHEN ${status} = 'suspended' THEN coalesce(suspended_at, now()) ELSE NULL END,
              access_token_ciphertext = NULL, access_token_expires_at = NULL
            WHERE installation_id = ${installationId} RETURNING *`.pipe(
            Effect.flatMap(decodeInstallations),
            Effect.map(one),
          ),
      })

      const cached = Effect.fn("Installations.cached")(function* (id: string) {
        const row = yield* stored.cachedToken(id)
        if (Option.isNone(row)) return Option.none<Redacted.Redacted<string>>()
        const { accessTokenCiphertext, accessTokenExpiresAt } = row.value
        if (accessTokenCiphertext === null || accessTokenExpiresAt === null) return Option.none()
        const now = yield* Clock.currentTimeMillis
        if (DateTime.toEpochMillis(accessTokenExpiresAt) - now <= refreshBeforeMs) return Option.none()
        const plaintext = yield* crypto
          .decrypt(accessTokenCiphertext, Catalog.githubInstallationAccessToken)
          .pipe(Effect.option)
        return Option.map(plaintext, Redacted.make)
      })

      return Installations.of({
        get: stored.get,
        byGithubId: stored.byGithubId,
        list: stored.list,

        link: Effect.fn("Installations.link")(function* (info) {
          const existing = yield* stored.byGithubId(info.installationId)
          if (Option.isSome(existing) && existing.value.workspaceId !== info.workspaceId) {
            return yield* new ApiErrors.Conflict({
              message: `GitHub installation ${info.installationId} (${existing.value.accountLogin}) is already connected to another workspace: uninstall it there first.`,
              field: "installation_id",
            })
          }
          const row = yield* stored.upsert(info)
          if (Option.isNone(row)) {
            return yield* new ApiErrors.Conflict({
              message: `GitHub installation ${info.installationId} is already connected to another workspace: uninstall it there first.`,
              field: "installation_id",
            })
          }
          return row.value
        }),

        setStatus: stored.setStatus,

        token: (row) =>
          Effect.gen(function* () {
            const hit = yield* cached(row.id)
            if (Option.isSome(hit)) return hit.value
            return yield* lockFor(row.id).withPermits(1)(
              Effect.gen(function* () {
                // another fiber may have minted while this one waited
                const again = yield* cached(row.id)
                if (Option.isSome(again)) return again.value
                const minted = yield* github.mintToken(Number(row.installationId))
                const ciphertext = yield* crypto.encrypt(
                  Redacted.value(minted.token),
                  Catalog.githubInstallationAccessToken,
                )
                yield* stored.saveToken(row.id, ciphertext, minted.expiresAt)
                return minted.token
              }),
            )
          }).pipe(Effect.withSpan("Installations.token")),
      })
    }),
  )
}
