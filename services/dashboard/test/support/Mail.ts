import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import type * as Starbase from "./Starbase.ts"

/**
 * The path and query of the newest link to `path` mailed to `address`, as a person would click it in their inbox.
 * Without SMTP the sender writes each message to a file and prints its link (`mail to …: …: <link> (saved as …)`)
 * and then blanks the token in the outbox row (`token=sent`); so the link is read from that line once the message
 * is sent, or from the outbox row (through the test's own database access) while it still waits.
 */
export const mailedLink = async (
  starbase: Starbase.RunningStarbase,
  address: string,
  template: string,
  path: string,
): Promise<string> => {
  const linkIn = (text: string) =>
    [...text.matchAll(new RegExp(`https?://[^\\s"]+${path.replace(/\//g, "\\/")}\\?token=[^\\s"]+`, "g"))]
      .map((m) => m[0])
      .filter((link) => !link.endsWith("token=sent"))
      .at(-1)
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const printed = linkIn(
      starbase
        .output()
        .split("\n")
        .filter((line) => line.includes(`mail to ${address}:`))
        .join("\n"),
    )
    const waiting = printed ?? linkIn(await outboxBody(starbase, address, template))
    if (waiting !== undefined) {
      const { pathname, search } = new URL(waiting)
      return `${pathname}${search}`
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`no ${path} link mailed to ${address} within 15 s`)
}

const outboxBody = (starbase: Starbase.RunningStarbase, address: string, template: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const rows = yield* sql<{ body: string }>`
        SELECT body FROM email_outbox WHERE to_address = ${address} AND template = ${template}
        ORDER BY created_at DESC LIMIT 1`
      return rows[0]?.body ?? ""
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(starbase.databaseUrl), maxConnections: 1 }))),
  )
