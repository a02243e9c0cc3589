import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { clientInfo, failure, Identity, layer as identityLayer, signup } from "./support.ts"

layer(identityLayer())("sessions", (it) => {
  it.effect("each refresh spends the token and hands out a new one; the session keeps its id", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const person = yield* signup()
      const first = yield* identity.Refresh({ refreshToken: person.tokens.refreshToken, client: clientInfo })
      expect(first.refreshToken).not.toBe(person.tokens.refreshToken)
      expect(first.sessionId).toBe(person.tokens.sessionId)
      const second = yield* identity.Refresh({ refreshToken: first.refreshToken, client: clientInfo })
      expect(second.sessionId).toBe(person.tokens.sessionId)
      expect(yield* identity.ListSessions({ actor: person.actor })).toHaveLength(1)
    }),
  )

  it.effect("presenting a spent refresh token revokes the whole family, the newest token included", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const sql = yield* SqlClient.SqlClient
      const person = yield* signup()
      const other = yield* signup("Someone Else")
      const rotated = yield* identity.Refresh({ refreshToken: person.tokens.refreshToken, client: clientInfo })
      const replay = yield* failure(identity.Refresh({ refreshToken: person.tokens.refreshToken, client: clientInfo }))
      expect(replay.message).toContain("already used")
      const newest = yield* failure(identity.Refresh({ refreshToken: rotated.refreshToken, client: clientInfo }))
      expect(newest.code).toBe("unauthenticated")
      expect(yield* identity.SessionIsLive({ userId: person.user.id, sessionId: person.tokens.sessionId })).toBe(false)
      const reasons = yield* sql<{ revokedReason: string }>`SELECT revoked_reason FROM sessions
        WHERE family_id = ${person.tokens.sessionId} ORDER BY created_at`
      expect(reasons.map((row) => row.revokedReason)).toEqual(["rotated", "refresh token reused"])
      // other people's sessions are untouched
      expect(yield* identity.SessionIsLive({ userId: other.user.id, sessionId: other.tokens.sessionId })).toBe(true)
    }),
  )

  it.effect("refresh tokens are stored hashed, and an expired session cannot be refreshed", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const sql = yield* SqlClient.SqlClient
      const person = yield* signup()
      const rows = yield* sql<{ refreshTokenHash: string }>`SELECT refresh_token_hash FROM sessions
        WHERE family_id = ${person.tokens.sessionId}`
      expect(rows[0]!.refreshTokenHash).not.toBe(person.tokens.refreshToken)
      expect(rows[0]!.refreshTokenHash).toMatch(/^[0-9a-f]{64}$/)
      yield* sql`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE family_id = ${person.tokens.sessionId}`
      const expired = yield* failure(identity.Refresh({ refreshToken: person.tokens.refreshToken, client: clientInfo }))
      expect(expired.code).toBe("unauthenticated")
    }),
  )

  it.effect("a person lists their devices and signs one out; another person's session is not theirs to revoke", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const person = yield* signup()
      const laptop = yield* identity.Login({
        email: person.email,
        password: "correct horse battery staple",
        client: clientInfo,
      })
      if (laptop.status !== "signed_in") throw new Error("expected a session")
      const sessions = yield* identity.ListSessions({ actor: person.actor })
      expect(sessions.map((s) => s.id).sort()).toEqual([person.tokens.sessionId, laptop.tokens.sessionId].sort())
      expect(sessions.find((s) => s.id === person.tokens.sessionId)).toMatchObject({
        current: true,
        ip: "203.0.113.7",
        userAgent: "vitest",
      })

      const stranger = yield* signup("Stranger")
      const notTheirs = yield* failure(
        identity.RevokeSession({ actor: stranger.actor, sessionId: laptop.tokens.sessionId }),
      )
      expect(notTheirs.code).toBe("not_found")

      yield* identity.RevokeSession({ actor: person.actor, sessionId: laptop.tokens.sessionId })
      expect((yield* identity.ListSessions({ actor: person.actor })).map((s) => s.id)).toEqual([
        person.tokens.sessionId,
      ])
      expect(
        (yield* failure(identity.Refresh({ refreshToken: laptop.tokens.refreshToken, client: clientInfo }))).code,
      ).toBe("unauthenticated")
    }),
  )
})
