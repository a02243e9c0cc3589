import { Effect } from "effect"
import { SMTPServer } from "smtp-server"

/**
 * A real SMTP server in the test process (`smtp-server`): it reads every message whole and answers DATA as `answer`
 * says — 250 (accepted), or a refusal such as 451 (try later) or 550 (refused) — so each message's fate is known.
 */

/** The answer to one message: accept it, or refuse it with this code. */
export type Answer = "accept" | 451 | 550

export interface Received {
  readonly messageId: string
  readonly raw: string
}

export interface TestSmtp {
  readonly url: string
  /** Messages the server accepted (answered 250), in order. */
  readonly accepted: Array<Received>
  /** How many times each Message-ID was offered (accepted or refused). */
  readonly offered: Map<string, number>
}

const messageIdOf = (raw: string) => /^Message-ID:\s*(<[^>]+>)/im.exec(raw)?.[1] ?? "(none)"

/** The server on a free port of 127.0.0.1, closed with the scope. `answer` decides per offer (1 for the first). */
export const start = (
  answer: (messageId: string, offer: number) => Answer = () => "accept",
  options: { readonly delayMs?: number } = {},
) =>
  Effect.acquireRelease(
    Effect.callback<{ server: SMTPServer; smtp: TestSmtp }>((resume) => {
      const accepted: Array<Received> = []
      const offered = new Map<string, number>()
      const server = new SMTPServer({
        authOptional: true,
        disabledCommands: ["STARTTLS", "AUTH"],
        logger: false,
        onData(stream, _session, callback) {
          const chunks: Array<Buffer> = []
          stream.on("data", (chunk: Buffer) => chunks.push(chunk))
          stream.on("end", () => {
            const raw = Buffer.concat(chunks).toString("utf8")
            const messageId = messageIdOf(raw)
            const offer = (offered.get(messageId) ?? 0) + 1
            offered.set(messageId, offer)
            const reply = answer(messageId, offer)
            setTimeout(() => {
              if (reply === "accept") {
                accepted.push({ messageId, raw })
                return callback(null, "Ok: queued")
              }
              const refusal = Object.assign(
                new Error(reply === 451 ? "4.3.0 mailbox busy, try again later" : "5.7.1 message refused"),
                { responseCode: reply },
              )
              callback(refusal)
            }, options.delayMs ?? 0)
          })
        },
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.server.address()
        if (address === null || typeof address === "string") return resume(Effect.die(new Error("no TCP address")))
        resume(Effect.succeed({ server, smtp: { url: `smtp://127.0.0.1:${address.port}`, accepted, offered } }))
      })
    }),
    ({ server }) => Effect.callback<void>((resume) => server.close(() => resume(Effect.void))),
  ).pipe(Effect.map(({ smtp }) => smtp))
