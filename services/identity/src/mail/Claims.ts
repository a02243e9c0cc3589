import { Duration, Effect } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import type { OutboxMessage } from "./Message.ts"

/**
 * The sender's statements on `email_outbox`. A row is due when unsent, not dead, its next try has come and nobody
 * holds it (or the holder's lease ran out). Claiming takes one due row with `FOR UPDATE SKIP LOCKED` and leases it
 * in the same statement, so two senders (two replicas, or a restarted one) never send one row at once; every later
 * statement on the row names the claim, so a sender whose lease ran out cannot overwrite what its successor did.
 */

/** A link's token in a stored body or link, and what replaces it once the email is sent. */
const tokenPattern = "token=[^[:space:]&]+"
const sentToken = "token=sent"

const ms = (duration: Duration.Duration) => Math.max(0, Math.round(Duration.toMillis(duration)))

export const make = (sql: SqlClient.SqlClient) => ({
  /** Leases the oldest due row to `claimId` for `lease`, counting the try; its Message-ID is fixed on the first. */
  claim: (claimId: string, lease: Duration.Duration, messageDomain: string) =>
    Effect.map(
      sql<OutboxMessage>`UPDATE email_outbox o SET
          claim_id = ${claimId},
          claimed_until = now() + ${ms(lease)}::float8 * interval '1 millisecond',
          attempts = o.attempts + 1,
          message_id = coalesce(o.message_id, '<' || o.id || '@' || ${messageDomain} || '>')
        WHERE o.id = (SELECT id FROM email_outbox
          WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= now()
            AND (claimed_until IS NULL OR claimed_until < now())
          ORDER BY next_attempt_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING o.id, o.to_address, o.template, o.subject, o.body, o.link, o.message_id, o.attempts`,
      (rows) => rows[0],
    ),

  /**
   * The server took it: sent, if this claim still holds the row (false: the lease ran out and another took it). The
   * link's single-use token leaves the row with it: once mailed, the outbox no longer holds a live credential.
   */
  markSent: (id: string, claimId: string) =>
    Effect.map(
      sql`UPDATE email_outbox SET sent_at = now(), claim_id = NULL, claimed_until = NULL, last_error = NULL,
          body = regexp_replace(body, ${tokenPattern}, ${sentToken}, 'g'),
          link = regexp_replace(link, ${tokenPattern}, ${sentToken}, 'g')
        WHERE id = ${id} AND claim_id = ${claimId} RETURNING id`,
      (rows) => rows.length > 0,
    ),

  /** A failed try: due again after `retryIn`, or dead-lettered (`retryIn` undefined). */
  markFailed: (id: string, claimId: string, reason: string, retryIn: Duration.Duration | undefined) =>
    retryIn === undefined
      ? sql`UPDATE email_outbox SET claim_id = NULL, claimed_until = NULL, last_error = ${reason}, dead_at = now()
          WHERE id = ${id} AND claim_id = ${claimId}`
      : sql`UPDATE email_outbox SET claim_id = NULL, claimed_until = NULL, last_error = ${reason},
          next_attempt_at = now() + ${ms(retryIn)}::float8 * interval '1 millisecond'
          WHERE id = ${id} AND claim_id = ${claimId}`,

  /** Dead-letters unsent mail older than `maxAge` that nobody holds: its links have expired. */
  expireOld: (maxAge: Duration.Duration) =>
    sql`UPDATE email_outbox SET dead_at = now(),
        last_error = ${`not sent within ${Duration.format(maxAge)} of being queued: its links have expired`}
      WHERE sent_at IS NULL AND dead_at IS NULL AND created_at < now() - ${ms(maxAge)}::float8 * interval '1 millisecond'
        AND (claimed_until IS NULL OR claimed_until < now())`,
})
