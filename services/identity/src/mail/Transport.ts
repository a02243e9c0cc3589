import { mkdir, rename, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Context, Data, Duration, Effect, Layer, Predicate, Redacted } from "effect"
import { createTransport } from "nodemailer"
import { type Delivery, Mail } from "./MailSettings.ts"
import type { Composed } from "./Message.ts"

/** The one module that speaks to a mail server (nodemailer), or writes `.eml` files in its place. */

/** A try that did not deliver: the server's refusal (`451 …`, `550 …`) or what stopped the conversation. */
export class DeliveryFailed extends Data.TaggedError("DeliveryFailed")<{ readonly reason: string }> {}

export class Transport extends Context.Service<
  Transport,
  {
    /** Succeeds only once the server has accepted the message (its 250 to DATA), or the file is written. */
    readonly deliver: (message: Composed) => Effect.Effect<void, DeliveryFailed>
  }
>()("starform/identity/mail/Transport") {
  static readonly layer = Layer.effect(
    Transport,
    Effect.gen(function* () {
      const settings = yield* Mail
      return yield* transportFor(settings.delivery, Duration.toMillis(settings.smtpTimeout))
    }),
  )
}

const fields = (message: Composed) => ({
  from: message.from,
  to: message.to,
  subject: message.subject,
  text: message.text,
  html: message.html,
  messageId: message.messageId,
})

/** What a failure says, without the message or any credential: the server's reply, else the client's code. */
const reasonOf = (cause: unknown): string => {
  const part = (key: string) =>
    Predicate.hasProperty(cause, key) && (typeof cause[key] === "string" || typeof cause[key] === "number")
      ? String(cause[key])
      : undefined
  const text = part("response") ?? (cause instanceof Error ? cause.message : String(cause))
  const code = part("responseCode") ?? part("code")
  const reason = code !== undefined && !text.startsWith(code) ? `${code} ${text}` : text
  return reason.replace(/\s+/g, " ").slice(0, 500)
}

const transportFor = (delivery: Delivery, timeoutMs: number) =>
  Effect.gen(function* () {
    if (delivery._tag === "Smtp") {
      const mailer = yield* Effect.acquireRelease(
        Effect.sync(() =>
          createTransport({
            url: Redacted.value(delivery.url),
            connectionTimeout: timeoutMs,
            greetingTimeout: timeoutMs,
            socketTimeout: timeoutMs,
          }),
        ),
        (mailer) => Effect.sync(() => mailer.close()),
      )
      return Transport.of({
        deliver: (message) =>
          Effect.tryPromise({
            try: () => mailer.sendMail(fields(message)),
            catch: (cause) => new DeliveryFailed({ reason: reasonOf(cause) }),
          }).pipe(Effect.asVoid),
      })
    }
    const composer = createTransport({ streamTransport: true, buffer: true, newline: "windows" })
    return Transport.of({
      deliver: (message) =>
        Effect.tryPromise({
          try: async () => {
            const built = await composer.sendMail(fields(message))
            if (!Buffer.isBuffer(built.message)) throw new Error("the message was not built as a buffer")
            await mkdir(delivery.directory, { recursive: true, mode: 0o700 })
            // named by the row, so a second try rewrites the same file: one file per message, whatever happens
            const path = join(delivery.directory, `${message.template}-${message.id}.eml`)
            await writeFile(`${path}.partial`, built.message, { mode: 0o600 })
            await rename(`${path}.partial`, path)
            return path
          },
          catch: (cause) => new DeliveryFailed({ reason: reasonOf(cause) }),
        }).pipe(Effect.flatMap((path) => delivery.announce(announcement(message, path)))),
    })
  })

const actions: { readonly [template: string]: string } = {
  verify_email: "verify your address",
  reset_password: "reset your password",
  invitation: "accept the invitation",
}

/** The console line of a message written to a file: its link when it has one (what the person would click). */
export const announcement = (message: Composed, path: string): string =>
  message.link === null
    ? `mail to ${message.to} "${message.subject}" saved as ${path}`
    : `mail to ${message.to}: ${actions[message.template] ?? message.subject}: ${message.link} (saved as ${path})`
