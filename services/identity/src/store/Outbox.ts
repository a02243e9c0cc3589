import { Identity } from "@starform/domain"
import type * as SqlClient from "effect/sql/SqlClient"
import type { Email } from "../Emails.ts"

/**
 * Queues an email; run inside the caller's transaction (the same `sql`), the email exists exactly when what it is
 * about does.
 */
export const enqueue = (sql: SqlClient.SqlClient, to: string, email: Email, userId: string | null) =>
  sql`INSERT INTO email_outbox ${sql.insert({
    id: Identity.newEmailId(),
    toAddress: to,
    template: email.template,
    subject: email.subject,
    body: email.body,
    link: email.link,
    userId,
  })}`
