import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { Mail, type MailSettings } from "@starform/identity"
import { FakeSmtp, TestDatabase } from "@starform/testkit"
import { Duration, Effect, Exit, Layer, Redacted, Scope } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Emails from "../src/Emails.ts"
import * as Claims from "../src/mail/Claims.ts"
import { compose } from "../src/mail/Message.ts"
import * as Sender from "../src/mail/Sender.ts"
import { Transport } from "../src/mail/Transport.ts"
import * as Outbox from "../src/store/Outbox.ts"

/**
 * The outbox sender against a real SMTP server in this process: every queued message arrives, once, with a plain-text
 * and an HTML body; refusals are tried again on a growing pause and given up (dead letter) after the last try; a
 * sender stopped or killed half-way loses nothing and sends nothing twice under different Message-IDs.
 */

const fast = {
  firstRetry: Duration.millis(40),
  longestRetry: Duration.millis(200),
  pollInterval: Duration.millis(20),
  lease: Duration.seconds(5),
  smtpTimeout: Duration.seconds(5),
} satisfies Partial<MailSettings>

const smtp = (url: string, overrides: Partial<MailSettings> = {}) =>
  Mail.layer({ delivery: { _tag: "Smtp", url: Redacted.make(url) }, ...fast, ...overrides })

let counter = 0
const address = () => `mail-${Date.now().toString(36)}-${counter++}@example.com`

/** `n` verification emails queued the way sign-up queues them; their ids. */
const queue = (n: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // each test's senders see only its own mail
    yield* sql`DELETE FROM email_outbox`
    const ids: Array<string> = []
    for (let i = 0; i < n; i++) {
      const rows = yield* sql<{ id: string }>`${Outbox.enqueue(
        sql,
        address(),
        Emails.verifyEmail("http://127.0.0.1:8080", `token-${i}`),
        null,
      )} RETURNING id`
      ids.push(rows[0]!.id)
    }
    return ids
  })

interface Row {
  readonly id: string
  readonly sentAt: Date | null
  readonly deadAt: Date | null
  readonly attempts: number
  readonly messageId: string | null
  readonly lastError: string | null
  readonly claimId: string | null
}

const rowsOf = (ids: ReadonlyArray<string>) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) =>
      sql<Row>`SELECT id, sent_at, dead_at, attempts, message_id, last_error, claim_id FROM email_outbox
      WHERE id IN ${sql.in(ids)} ORDER BY id`,
  )

/** Waits (real time) until `done` holds of the rows, or fails after `ms`. */
const until = (ids: ReadonlyArray<string>, done: (rows: ReadonlyArray<Row>) => boolean, ms = 15_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms
    while (true) {
      const rows = yield* rowsOf(ids)
      if (done(rows)) return rows
      if (Date.now() > deadline) return yield* Effect.die(new Error(`rows never settled: ${JSON.stringify(rows)}`))
      yield* Effect.sleep(Duration.millis(25))
    }
  })

const allSent = (rows: ReadonlyArray<Row>) => rows.every((row) => row.sentAt !== null)

/** A sender running in a scope of its own, stopped (gracefully) when that scope closes. */
const startSender = (settings: Layer.Layer<Mail>) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    const context = yield* Effect.context<SqlClient.SqlClient>()
    yield* Layer.buildWithScope(
      Sender.live.pipe(Layer.provide(settings), Layer.provide(Layer.succeedContext(context))),
      scope,
    )
    return scope
  })

const countBy = (values: ReadonlyArray<string>) => {
  const counts = new Map<string, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  return counts
}

layer(TestDatabase.layer, { excludeTestServices: true })("the email outbox sender", (it) => {
  it.effect("delivers every queued message once, with a plain-text and an HTML body and a stable Message-ID", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* FakeSmtp.start()
        const ids = yield* queue(12)
        yield* startSender(smtp(server.url, { concurrency: 3 }))
        const rows = yield* until(ids, allSent)

        expect(rows.map((row) => row.attempts)).toEqual(ids.map(() => 1))
        expect(rows.every((row) => row.claimId === null && row.deadAt === null)).toBe(true)
        expect(server.accepted).toHaveLength(12)
        expect([...countBy(server.accepted.map((m) => m.messageId)).values()].every((n) => n === 1)).toBe(true)
        expect(new Set(server.accepted.map((m) => m.messageId))).toEqual(new Set(rows.map((row) => row.messageId)))
        for (const row of rows) expect(row.messageId).toBe(`<${row.id}@starform.localhost>`)
        // the mail carried the token; the row keeps no live credential once it is sent
        expect(server.accepted.some((message) => message.raw.includes("token=token-0"))).toBe(true)
        const sql = yield* SqlClient.SqlClient
        const stored = yield* sql<{ body: string; link: string }>`SELECT body, link FROM email_outbox
          WHERE id IN ${sql.in(ids)}`
        expect(stored.every((row) => row.link === "http://127.0.0.1:8080/verify-email?token=sent")).toBe(true)
        expect(stored.every((row) => row.body.includes("?token=sent\n") && !/token-\d/.test(row.body))).toBe(true)

        const raw = server.accepted[0]!.raw
        expect(raw).toMatch(/Content-Type: multipart\/alternative/i)
        expect(raw).toMatch(/Content-Type: text\/plain/i)
        expect(raw).toMatch(/Content-Type: text\/html/i)
        expect(raw).toMatch(/^Subject: Confirm your email address for Starform/im)
        expect(raw).toMatch(/^From: Starform <no-reply@starform\.localhost>/im)
      }),
    ),
  )

  it.effect("a server that refuses (451, then 550) gets each message on a later try, and only once", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* FakeSmtp.start((_id, offer) => (offer === 1 ? 451 : offer === 2 ? 550 : "accept"))
        const ids = yield* queue(4)
        yield* startSender(smtp(server.url))
        const rows = yield* until(ids, allSent)

        expect(rows.map((row) => row.attempts)).toEqual([3, 3, 3, 3])
        expect(rows.every((row) => row.lastError === null)).toBe(true)
        expect(server.accepted).toHaveLength(4)
        expect([...server.offered.values()]).toEqual([3, 3, 3, 3])
      }),
    ),
  )

  it.effect(
    "a server that always refuses: after the last allowed try the message is a dead letter, kept with why",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const server = yield* FakeSmtp.start(() => 550)
          const ids = yield* queue(2)
          yield* startSender(smtp(server.url, { maxAttempts: 3 }))
          const rows = yield* until(ids, (rows) => rows.every((row) => row.deadAt !== null))

          expect(rows.map((row) => [row.attempts, row.sentAt])).toEqual([
            [3, null],
            [3, null],
          ])
          expect(rows[0]!.lastError).toMatch(/^550 .*message refused/)
          // dead letters are left alone: no fourth try
          yield* Effect.sleep(Duration.millis(400))
          expect((yield* rowsOf(ids)).map((row) => row.attempts)).toEqual([3, 3])
          expect(server.accepted).toHaveLength(0)
          expect([...server.offered.values()]).toEqual([3, 3])
        }),
      ),
  )

  it.effect("across restarts: a sender stopped half-way and one that died holding claims lose nothing", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const server = yield* FakeSmtp.start(() => "accept", { delayMs: 15 })
        const ids = yield* queue(24)

        // the first sender is stopped (Ctrl-C, a rolling restart) while it is sending
        const first = yield* startSender(smtp(server.url, { concurrency: 2 }))
        yield* until(ids, (rows) => rows.filter((row) => row.sentAt !== null).length >= 6)
        yield* Scope.close(first, Exit.void)
        const afterStop = yield* rowsOf(ids)
        // stopping waits for the messages under way: nothing is left claimed, and what was accepted is marked
        expect(afterStop.filter((row) => row.claimId !== null)).toEqual([])
        expect(afterStop.filter((row) => row.sentAt !== null)).toHaveLength(server.accepted.length)

        // a sender killed outright: it claimed two rows with a short lease and never came back
        const claims = Claims.make(sql)
        const dead = "snd_killed"
        const orphans = [
          yield* claims.claim(dead, Duration.millis(300), "starform.localhost"),
          yield* claims.claim(dead, Duration.millis(300), "starform.localhost"),
        ]
        expect(orphans.every((row) => row !== undefined)).toBe(true)

        // the next sender takes over everything, the orphans once their lease runs out
        yield* startSender(smtp(server.url, { concurrency: 2 }))
        const rows = yield* until(ids, allSent)

        expect(server.accepted).toHaveLength(24)
        expect([...countBy(server.accepted.map((m) => m.messageId)).values()].every((n) => n === 1)).toBe(true)
        expect(
          rows
            .filter((row) => row.attempts !== 1)
            .map((row) => row.id)
            .sort(),
        ).toEqual(orphans.map((row) => row!.id).sort())
      }),
    ),
  )

  it.effect(
    "a sender killed between the server's 250 and its mark: the row goes again, under the same Message-ID",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const server = yield* FakeSmtp.start()
          const [id] = yield* queue(1)
          const row = yield* Claims.make(sql).claim("snd_crashed", Duration.millis(200), "starform.localhost")
          // it was delivered, and the sender died before it could mark the row sent
          yield* Effect.flatMap(Transport, (transport) => transport.deliver(compose(row!, Mail.defaults.from))).pipe(
            Effect.provide(Transport.layer.pipe(Layer.provide(smtp(server.url)))),
          )
          // the next sender takes the row over once the lease runs out
          yield* startSender(smtp(server.url))
          const [sent] = yield* until([id!], allSent)
          expect(sent!.attempts).toBe(2)
          // the one duplicate SMTP cannot rule out, recognisable as the same message by its Message-ID
          expect(server.accepted.map((message) => message.messageId)).toEqual([row!.messageId, row!.messageId])
        }),
      ),
  )

  it.effect("two senders at once (two replicas) never send one row twice", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* FakeSmtp.start(() => "accept", { delayMs: 5 })
        const ids = yield* queue(30)
        yield* startSender(smtp(server.url, { concurrency: 3 }))
        yield* startSender(smtp(server.url, { concurrency: 3 }))
        yield* until(ids, allSent)
        expect(server.accepted).toHaveLength(30)
        expect(countBy(server.accepted.map((m) => m.messageId)).size).toBe(30)
      }),
    ),
  )

  it.effect("mail older than its links is not sent after a long stop: it is dead-lettered as too old", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const server = yield* FakeSmtp.start()
        const [old, fresh] = yield* queue(2)
        yield* sql`UPDATE email_outbox SET created_at = now() - interval '8 days' WHERE id = ${old!}`
        yield* startSender(smtp(server.url))
        const rows = yield* until([old!, fresh!], (rows) =>
          rows.every((row) => row.sentAt !== null || row.deadAt !== null),
        )
        const byId = new Map(rows.map((row) => [row.id, row]))
        expect(byId.get(old!)).toMatchObject({ sentAt: null, attempts: 0 })
        expect(byId.get(old!)!.lastError).toMatch(/links have expired/)
        expect(byId.get(fresh!)!.sentAt).not.toBeNull()
        expect(server.accepted).toHaveLength(1)
      }),
    ),
  )

  it.effect("without SMTP, each message is an .eml file under the mail folder and its link is printed", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const directory = mkdtempSync(join(tmpdir(), "starform-mail-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(directory, { recursive: true, force: true })))
        const lines: Array<string> = []
        const ids = yield* queue(1)
        yield* startSender(
          Mail.layer({
            ...fast,
            delivery: { _tag: "EmlFiles", directory, announce: (line) => Effect.sync(() => lines.push(line)) },
          }),
        )
        const [row] = yield* until(ids, allSent)

        expect(readdirSync(directory)).toEqual([`verify_email-${row!.id}.eml`])
        const eml = readFileSync(join(directory, `verify_email-${row!.id}.eml`), "utf8")
        expect(eml).toContain(`Message-ID: <${row!.id}@starform.localhost>`)
        expect(eml).toMatch(/Content-Type: text\/plain/i)
        expect(eml).toMatch(/Content-Type: text\/html/i)
        expect(eml).toContain("\r\n")
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatch(
          /^mail to mail-\S+@example\.com: verify your address: http:\/\/127\.0\.0\.1:8080\/verify-email\?token=token-0 \(saved as .+\.eml\)$/,
        )
        expect(lines[0]).not.toMatch(/error/i)
      }),
    ),
  )
})
