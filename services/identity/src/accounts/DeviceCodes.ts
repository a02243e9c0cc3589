import { randomBytes } from "node:crypto"
import { Sql } from "@starform/db"
import { ApiErrors, DeviceAuthApi, type IdentityAuthApi, type IdentityRpc } from "@starform/domain"
import { Context, DateTime, Duration, Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { IdentityConfig } from "../IdentityConfig.ts"
import * as Secrets from "../Secrets.ts"
import { inet } from "../store/Inet.ts"
import { Sessions } from "../store/Sessions.ts"

/**
 * Device-code sign-in (RFC 8628): a device gets a secret device code and a short user code; a signed-in person
 * approves or denies the user code; the device's polling then receives a new session, exactly once. Both codes are
 * kept only as SHA-256 hashes; a poll sooner than the interval answers `slow_down` and widens the interval by 5 s.
 */

/** A poll this much early still counts as on time (clocks and network jitter). */
const pollTolerance = Duration.millis(250)

/** 8 characters of the user-code alphabet (20^8 ≈ 2.6·10^10 codes), each equally likely. */
export const newUserCode = (): string => {
  const alphabet = DeviceAuthApi.userCodeAlphabet
  // 240 is the largest multiple of 20 below 256: rejecting above it keeps the letters uniform.
  const limit = 256 - (256 % alphabet.length)
  let code = ""
  while (code.length < 8) {
    for (const byte of randomBytes(16)) if (byte < limit && code.length < 8) code += alphabet[byte % alphabet.length]
  }
  return code
}

const tokenError = (error: DeviceAuthApi.DeviceTokenErrorCode, description: string, interval?: number) =>
  new DeviceAuthApi.DeviceTokenError({
    error,
    error_description: description,
    ...(interval === undefined ? {} : { interval }),
  })

const noSuchCode = (userCode: string) =>
  new ApiErrors.NotFound({
    message: `No device is waiting for the code ${userCode}: it may have expired or been used. Start again on the device.`,
  })

export class DeviceCodes extends Context.Service<
  DeviceCodes,
  {
    readonly start: (
      clientName: string | null,
      client: IdentityRpc.ClientInfo,
    ) => Effect.Effect<DeviceAuthApi.DeviceAuthorization>
    readonly poll: (
      deviceCode: string,
      client: IdentityRpc.ClientInfo,
    ) => Effect.Effect<IdentityAuthApi.TokenPair, DeviceAuthApi.DeviceTokenError>
    readonly describe: (userCode: string) => Effect.Effect<DeviceAuthApi.PendingDevice, ApiErrors.NotFound>
    readonly decide: (
      userId: string,
      userCode: string,
      approve: boolean,
    ) => Effect.Effect<DeviceAuthApi.DeviceDecision, ApiErrors.NotFound>
  }
>()("starform/identity/DeviceCodes") {
  static readonly layer = Layer.effect(
    DeviceCodes,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const config = yield* IdentityConfig
      const sessions = yield* Sessions
      const transaction = Sql.transaction(sql)
      const lifetimeSeconds = Math.round(Duration.toSeconds(config.deviceCodeLifetime))
      const intervalSeconds = Math.max(1, Math.round(Duration.toSeconds(config.deviceCodeInterval)))

      const start = Effect.fn("DeviceCodes.start")(function* (
        clientName: string | null,
        client: IdentityRpc.ClientInfo,
      ) {
        // Codes long dead are of no use to anyone: each new one sweeps them away.
        yield* sql`DELETE FROM device_codes WHERE expires_at < now() - interval '1 hour'`
        const deviceCode = Secrets.newOpaqueToken("sfd")
        // A clash of user codes among live ones is rare but possible: draw again.
        for (let attempt = 0; ; attempt++) {
          const userCode = newUserCode()
          const rows = yield* sql`INSERT INTO device_codes ${sql.insert({
            deviceCodeHash: Secrets.hash(deviceCode),
            userCodeHash: Secrets.hash(userCode),
            clientName: clientName?.slice(0, 64) ?? null,
            userAgent: client.userAgent?.slice(0, 512) ?? null,
            ip: inet(client.ip),
            intervalSeconds,
            expiresAt: new Date(Date.now() + lifetimeSeconds * 1000),
          })} ON CONFLICT (user_code_hash) DO NOTHING RETURNING device_code_hash`
          if (rows.length > 0 || attempt >= 4) {
            if (rows.length === 0) return yield* Effect.die(new Error("no free device user code after 5 draws"))
            const shown = DeviceAuthApi.displayUserCode(userCode)
            const page = `${config.publicUrl.replace(/\/$/, "")}/device`
            return new DeviceAuthApi.DeviceAuthorization({
              device_code: deviceCode,
              user_code: shown,
              verification_uri: page,
              verification_uri_complete: `${page}?user_code=${encodeURIComponent(shown)}`,
              expires_in: lifetimeSeconds,
              interval: intervalSeconds,
            })
          }
        }
      })

      /** One poll, decided under the row's lock; the session is started after the code is spent. */
      const settle = (deviceCode: string) =>
        transaction(
          Effect.gen(function* () {
            const rows = yield* sql<{
              status: string
              userId: string | null
              intervalSeconds: number
              early: boolean
              expired: boolean
            }>`SELECT status, user_id, interval_seconds,
                 (last_polled_at IS NOT NULL AND last_polled_at + make_interval(secs => interval_seconds)
                   > now() + make_interval(secs => ${Duration.toSeconds(pollTolerance)})) AS early,
                 expires_at <= now() AS expired
               FROM device_codes WHERE device_code_hash = ${Secrets.hash(deviceCode)} FOR UPDATE`
            const row = rows[0]
            if (row === undefined || row.status === "spent") {
              return tokenError("invalid_grant", "This device code is unknown or was already used: sign in again.")
            }
            if (row.expired) return tokenError("expired_token", "The device code expired before it was approved.")
            if (row.status === "denied") return tokenError("access_denied", "The sign-in was refused.")
            if (row.early) {
              const slower = row.intervalSeconds + 5
              yield* sql`UPDATE device_codes SET interval_seconds = ${slower}, last_polled_at = now()
                WHERE device_code_hash = ${Secrets.hash(deviceCode)}`
              return tokenError("slow_down", `Polling too fast: wait ${slower} seconds between polls.`, slower)
            }
            if (row.status === "pending" || row.userId === null) {
              yield* sql`UPDATE device_codes SET last_polled_at = now() WHERE device_code_hash = ${Secrets.hash(deviceCode)}`
              return tokenError("authorization_pending", "Waiting for the code to be approved.")
            }
            yield* sql`UPDATE device_codes SET status = 'spent', last_polled_at = now()
              WHERE device_code_hash = ${Secrets.hash(deviceCode)}`
            return { userId: row.userId }
          }),
        )

      const poll = Effect.fn("DeviceCodes.poll")(function* (deviceCode: string, client: IdentityRpc.ClientInfo) {
        const outcome = yield* settle(deviceCode)
        if (outcome instanceof DeviceAuthApi.DeviceTokenError) return yield* outcome
        return yield* sessions.start(outcome.userId, client)
      })

      const describe = Effect.fn("DeviceCodes.describe")(function* (userCode: string) {
        const normalised = DeviceAuthApi.normaliseUserCode(userCode)
        const rows = yield* sql<{
          clientName: string | null
          userAgent: string | null
          ip: string | null
          createdAt: Date
          expiresAt: Date
        }>`SELECT client_name, user_agent, host(ip) AS ip, created_at, expires_at FROM device_codes
          WHERE user_code_hash = ${Secrets.hash(normalised)} AND status = 'pending' AND expires_at > now()`
        const row = rows[0]
        if (row === undefined) return yield* noSuchCode(DeviceAuthApi.displayUserCode(normalised))
        return new DeviceAuthApi.PendingDevice({
          clientName: row.clientName,
          userAgent: row.userAgent,
          ip: row.ip,
          createdAt: DateTime.fromDateUnsafe(row.createdAt),
          expiresAt: DateTime.fromDateUnsafe(row.expiresAt),
        })
      })

      const decide = Effect.fn("DeviceCodes.decide")(function* (userId: string, userCode: string, approve: boolean) {
        const normalised = DeviceAuthApi.normaliseUserCode(userCode)
        const rows = yield* sql<{ clientName: string | null }>`UPDATE device_codes
          SET status = ${approve ? "approved" : "denied"}, user_id = ${userId}, decided_at = now()
          WHERE user_code_hash = ${Secrets.hash(normalised)} AND status = 'pending' AND expires_at > now()
          RETURNING client_name`
        const row = rows[0]
        if (row === undefined) return yield* noSuchCode(DeviceAuthApi.displayUserCode(normalised))
        return new DeviceAuthApi.DeviceDecision({ status: approve ? "approved" : "denied", clientName: row.clientName })
      })

      return DeviceCodes.of(Sql.edge({ start, poll, describe, decide }))
    }),
  )
}
