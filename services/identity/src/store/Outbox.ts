import { Identity } from "@starform/domain"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { Email } from "../Emails.ts"

/** Queues an email; it runs inside the caller's transaction, so the email exists exactly when what it is about does. */
export const enqueue = Effect.fn("Outbox.enqueue")(function* (to: string, email: Email, userId: string | null) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`INSERT INTO email_outbox ${sql.insert({
    id: Identity.newEmailId(),
    toAddress: to,
    template: email.template,
    subject: email.subject,
    body: email.body,
    userId,
  })}`.pipe(Effect.orDie)
})
