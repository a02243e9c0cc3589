import { randomUUID } from "node:crypto"
import { Sql } from "@starform/db"
import { Duration, Effect, Layer, Result, Schedule } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Claims from "./Claims.ts"
import { Mail, type MailSettings } from "./MailSettings.ts"
import { compose, domainOf } from "./Message.ts"
import { Transport } from "./Transport.ts"

/**
 * The outbox sender: a few fibers, each claiming one due row at a time, delivering it and recording the outcome.
 *
 * Delivery is once per row. A claim is a lease taken with `FOR UPDATE SKIP LOCKED`, so no two senders hold a row;
 * the row is marked sent right after the server's 250 to DATA (the only proof of delivery SMTP gives), by the claim
 * that sent it. Claim → deliver → record is one uninterruptible step, so stopping (Ctrl-C, a rolling restart) waits
 * for the message under way and never cuts between the 250 and the mark. What is left is a crash of the process or
 * the database in that window (milliseconds): the lease then runs out and the row is sent again, under the same
 * Message-ID, which mail clients and servers recognise as the same message. We chose that over the alternative (never
 * retry a row whose try may have reached the server), because a lost verification link costs a person more than a
 * second copy of it does.
 */

/** The pause before the next try after try `attempts` failed; undefined once it was the last one (dead letter). */
export const retryIn = (
  attempts: number,
  settings: Pick<MailSettings, "maxAttempts" | "firstRetry" | "longestRetry">,
): Duration.Duration | undefined =>
  attempts >= settings.maxAttempts
    ? undefined
    : Duration.min(Duration.times(settings.firstRetry, 2 ** Math.max(0, attempts - 1)), settings.longestRetry)

export const layer = Layer.effectDiscard(
  Effect.gen(function* () {
    const settings = yield* Mail
    const transport = yield* Transport
    const claims = Claims.make(yield* SqlClient.SqlClient)
    // this sender's name on the rows it holds; a restarted sender is a new one
    const claimId = `snd_${randomUUID()}`
    const messageDomain = domainOf(settings.from)

    /** One due row delivered and its outcome recorded; false when nothing was due. */
    const sendOne = Effect.gen(function* () {
      const row = yield* claims.claim(claimId, settings.lease, messageDomain)
      if (row === undefined) return false
      const delivered = yield* Effect.result(transport.deliver(compose(row, settings.from)))
      if (Result.isSuccess(delivered)) {
        if (!(yield* claims.markSent(row.id, claimId))) {
          yield* Effect.logWarning(
            `mail ${row.id}: delivered after its claim ran out; another sender may deliver it too (Message-ID ${row.messageId})`,
          )
        }
        return true
      }
      const reason = delivered.failure.reason
      const retry = retryIn(row.attempts, settings)
      yield* claims.markFailed(row.id, claimId, reason, retry)
      yield* Effect.logWarning(
        retry === undefined
          ? `mail ${row.id} (${row.template}): given up after ${row.attempts} tries (dead letter): ${reason}`
          : `mail ${row.id} (${row.template}): try ${row.attempts} of ${settings.maxAttempts} failed, next in ${Duration.format(retry)}: ${reason}`,
      )
      return true
    }).pipe(Sql.orDefect, Effect.uninterruptible)

    // Log lines name the row, never its address: the outbox holds it, and erasure deletes it there.
    // A database out of reach (a restart, Ctrl-C stopping the embedded server with us) is waited out quietly.
    const pass = sendOne.pipe(
      Effect.catchCause((cause) =>
        Sql.isUnreachable(cause)
          ? Effect.succeed(false)
          : Effect.as(Effect.logWarning("mail sender: a pass failed, trying again shortly", cause), false),
      ),
    )

    const worker = Effect.gen(function* () {
      while (true) {
        if (!(yield* pass)) yield* Effect.sleep(settings.pollInterval)
      }
    })

    const expire = claims.expireOld(settings.maxAge).pipe(
      Sql.orDefect,
      Effect.catchCause((cause) =>
        Sql.isUnreachable(cause) ? Effect.void : Effect.logWarning("mail sender: expiring old mail failed", cause),
      ),
    )
    // before any row is claimed, so mail too old to be of use is never sent after a long stop
    yield* expire
    yield* Effect.forkScoped(Effect.repeat(expire, Schedule.spaced(Duration.minutes(1))))
    for (let i = 0; i < Math.max(1, settings.concurrency); i++) yield* Effect.forkScoped(worker)
  }),
)

/** The sender with its transport, from the `Mail` settings. Needs `SqlClient`. */
export const live = layer.pipe(Layer.provide(Transport.layer))
