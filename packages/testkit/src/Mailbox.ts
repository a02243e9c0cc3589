import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * What identity has mailed, read from its outbox (`email_outbox`, identity's own store) the way a person reads their
 * inbox: for tests and benchmarks that follow an emailed link (verify an address, accept an invitation) through the
 * real API. Needs the camelCase `SqlClient` of the test's database.
 */

export interface MailedLink {
  readonly subject: string
  readonly body: string
  readonly link: string
  /** The link's single-use token. */
  readonly token: string
}

/** The newest `template` email to `to` (e.g. `verify_email`, `invitation`, `reset_password`) and its link. */
export const lastLink = (to: string, template: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ subject: string; body: string; link: string | null }>`SELECT subject, body, link
      FROM email_outbox WHERE lower(to_address) = lower(${to}) AND template = ${template}
      ORDER BY created_at DESC, id DESC LIMIT 1`.pipe(Effect.orDie)
    const row = rows[0]
    if (row === undefined || row.link === null) {
      return yield* Effect.die(new Error(`no ${template} email with a link was sent to ${to}`))
    }
    const token = new URL(row.link).searchParams.get("token")
    if (token === null) return yield* Effect.die(new Error(`the ${template} link to ${to} has no token: ${row.link}`))
    return { subject: row.subject, body: row.body, link: row.link, token } satisfies MailedLink
  })
