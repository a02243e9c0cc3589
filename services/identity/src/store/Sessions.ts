import { Sql } from "@starform/db"
import { ApiErrors, IdentityAuthApi, IdentityMeApi, type IdentityRpc, Ids } from "@starform/domain"
import { Context, DateTime, Duration, Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { IdentityConfig } from "../IdentityConfig.ts"
import * as Secrets from "../Secrets.ts"
import { Signer } from "../Signer.ts"
import { inet } from "./Inet.ts"

/**
 * Sessions: one chain of refresh tokens per signed-in device. Each refresh spends the presented token (its row is
 * revoked as `rotated`) and issues a new row in the same family; presenting a spent token again means it leaked, so
 * the whole family is revoked. The family id is the session id people see and the `sid` of access tokens.
 */

const reused = "refresh token reused"

export class Sessions extends Context.Service<
  Sessions,
  {
    readonly start: (userId: string, client: IdentityRpc.ClientInfo) => Effect.Effect<IdentityAuthApi.TokenPair>
    readonly refresh: (
      refreshToken: string,
      client: IdentityRpc.ClientInfo,
    ) => Effect.Effect<IdentityAuthApi.TokenPair, ApiErrors.Unauthenticated>
    /** Whether the session (family) is signed in: not revoked and not expired. */
    readonly isLive: (userId: string, sessionId: string) => Effect.Effect<boolean>
    readonly list: (userId: string, current: string | null) => Effect.Effect<ReadonlyArray<IdentityMeApi.SessionInfo>>
    /** Signs one session out; false when the user has no such live session. */
    readonly revoke: (userId: string, sessionId: string, reason: string) => Effect.Effect<boolean>
    readonly revokeAll: (userId: string, reason: string) => Effect.Effect<void>
  }
>()("starform/identity/Sessions") {
  static readonly layer = Layer.effect(
    Sessions,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const signer = yield* Signer
      const config = yield* IdentityConfig
      const transaction = Sql.transaction(sql)

      const pair = (userId: string, familyId: string, refreshToken: string) =>
        Effect.map(
          signer.sign({ userId, sessionId: familyId }),
          ({ token, expiresIn }) =>
            new IdentityAuthApi.TokenPair({
              tokenType: "Bearer",
              accessToken: token,
              expiresIn,
              refreshToken,
              sessionId: familyId as Ids.SessionId,
            }),
        )

      const insert = (row: {
        readonly id: string
        readonly userId: string
        readonly familyId: string
        readonly refreshToken: string
        readonly client: IdentityRpc.ClientInfo
        readonly expiresAt: Date
      }) =>
        sql`INSERT INTO sessions ${sql.insert({
          id: row.id,
          userId: row.userId,
          familyId: row.familyId,
          refreshTokenHash: Secrets.hash(row.refreshToken),
          userAgent: row.client.userAgent?.slice(0, 512) ?? null,
          ip: inet(row.client.ip),
          lastUsedAt: new Date(),
          expiresAt: row.expiresAt,
        })}`

      const start = Effect.fn("Sessions.start")(function* (userId: string, client: IdentityRpc.ClientInfo) {
        const id = Ids.newId("session")
        const refreshToken = Secrets.newOpaqueToken("sfr")
        const expiresAt = new Date(Date.now() + Duration.toMillis(config.refreshTokenLifetime))
        yield* insert({ id, userId, familyId: id, refreshToken, client, expiresAt })
        return yield* pair(userId, id, refreshToken)
      })

      const expired = new ApiErrors.Unauthenticated({
        message: "The refresh token is not valid or has expired: sign in again.",
      })

      const refresh = Effect.fn("Sessions.refresh")(function* (refreshToken: string, client: IdentityRpc.ClientInfo) {
        const outcome = yield* transaction(
          Effect.gen(function* () {
            const rows = yield* sql<{
              id: string
              userId: string
              familyId: string
              expiresAt: Date
              revokedAt: Date | null
              revokedReason: string | null
            }>`SELECT s.id, s.user_id, s.family_id, s.expires_at, s.revoked_at, s.revoked_reason
                 FROM sessions s JOIN users u ON u.id = s.user_id AND u.status = 'active'
                 WHERE s.refresh_token_hash = ${Secrets.hash(refreshToken)} FOR UPDATE OF s`
            const row = rows[0]
            if (row === undefined) return { _tag: "invalid" } as const
            if (row.revokedAt !== null) {
              if (row.revokedReason === "rotated") {
                yield* sql`UPDATE sessions SET revoked_at = now(), revoked_reason = ${reused}
                             WHERE family_id = ${row.familyId} AND revoked_at IS NULL`
                return { _tag: "reused" } as const
              }
              return { _tag: "invalid" } as const
            }
            if (row.expiresAt.getTime() <= Date.now()) return { _tag: "invalid" } as const
            yield* sql`UPDATE sessions SET revoked_at = now(), revoked_reason = 'rotated' WHERE id = ${row.id}`
            const next = Secrets.newOpaqueToken("sfr")
            yield* insert({
              id: Ids.newId("session"),
              userId: row.userId,
              familyId: row.familyId,
              refreshToken: next,
              client,
              expiresAt: row.expiresAt,
            })
            return { _tag: "rotated", userId: row.userId, familyId: row.familyId, refreshToken: next } as const
          }),
        )
        switch (outcome._tag) {
          case "invalid":
            return yield* expired
          case "reused":
            yield* Effect.logWarning("a spent refresh token was presented again: its session was revoked")
            return yield* new ApiErrors.Unauthenticated({
              message:
                "This refresh token was already used, so the session has been signed out to be safe: sign in again.",
            })
          case "rotated":
            return yield* pair(outcome.userId, outcome.familyId, outcome.refreshToken)
        }
      })

      const isLive = Effect.fn("Sessions.isLive")(function* (userId: string, sessionId: string) {
        const rows = yield* sql<{ live: boolean }>`SELECT EXISTS (
            SELECT 1 FROM sessions WHERE family_id = ${sessionId} AND user_id = ${userId}
              AND revoked_at IS NULL AND expires_at > now()
          ) AS live`
        return rows[0]?.live === true
      })

      const list = Effect.fn("Sessions.list")(function* (userId: string, current: string | null) {
        const rows = yield* sql<{
          familyId: string
          userAgent: string | null
          ip: string | null
          createdAt: Date
          lastUsedAt: Date | null
          expiresAt: Date
        }>`SELECT live.family_id, live.user_agent, host(live.ip) AS ip, first.created_at, live.last_used_at, live.expires_at
           FROM sessions live JOIN sessions first ON first.id = live.family_id
           WHERE live.user_id = ${userId} AND live.revoked_at IS NULL AND live.expires_at > now()
           ORDER BY first.created_at DESC`
        return rows.map(
          (row) =>
            new IdentityMeApi.SessionInfo({
              id: row.familyId as Ids.SessionId,
              userAgent: row.userAgent,
              ip: row.ip,
              createdAt: DateTime.fromDateUnsafe(row.createdAt),
              lastUsedAt: row.lastUsedAt === null ? null : DateTime.fromDateUnsafe(row.lastUsedAt),
              expiresAt: DateTime.fromDateUnsafe(row.expiresAt),
              current: row.familyId === current,
            }),
        )
      })

      const revoke = Effect.fn("Sessions.revoke")(function* (userId: string, sessionId: string, reason: string) {
        const rows = yield* sql`UPDATE sessions SET revoked_at = now(), revoked_reason = ${reason}
          WHERE user_id = ${userId} AND family_id = ${sessionId} AND revoked_at IS NULL RETURNING id`
        return rows.length > 0
      })

      const revokeAll = Effect.fn("Sessions.revokeAll")(function* (userId: string, reason: string) {
        yield* sql`UPDATE sessions SET revoked_at = now(), revoked_reason = ${reason}
          WHERE user_id = ${userId} AND revoked_at IS NULL`
      })

      return Sessions.of(Sql.edge({ start, refresh, isLive, list, revoke, revokeAll }))
    }),
  )
}
