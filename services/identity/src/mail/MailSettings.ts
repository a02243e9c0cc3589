import { Config, Context, Duration, Effect, Layer, Option, Redacted } from "effect"

/** Where mail goes: an SMTP server (`SMTP_URL`), or, on a development machine without one, `.eml` files. */
export type Delivery =
  | { readonly _tag: "Smtp"; readonly url: Redacted.Redacted<string> }
  | {
      readonly _tag: "EmlFiles"
      readonly directory: string
      /** Prints one line per message (its link), e.g. on `npm start`'s console. */
      readonly announce: (line: string) => Effect.Effect<void>
    }

/** How the outbox sender works: where it delivers, how often it retries and when it gives up. */
export interface MailSettings {
  readonly delivery: Delivery
  /** The `From` of every message, e.g. `Starform <no-reply@example.com>`. */
  readonly from: string
  /** Tries per message; after the last one fails the row is dead-lettered (`dead_at`). */
  readonly maxAttempts: number
  /** The pause after the first failed try; it doubles with each try, up to `longestRetry`. */
  readonly firstRetry: Duration.Duration
  readonly longestRetry: Duration.Duration
  /** How long a sender holds a row it claimed; a sender that died lets it go when this runs out. */
  readonly lease: Duration.Duration
  /** How often an idle sender looks for due mail. */
  readonly pollInterval: Duration.Duration
  /** Messages sent at once (each sender fiber claims one row at a time). */
  readonly concurrency: number
  /** Mail older than this is not sent any more (its links have expired): dead-lettered as too old. */
  readonly maxAge: Duration.Duration
  /** Bound on each stage of an SMTP conversation (connect, greeting, an idle socket). */
  readonly smtpTimeout: Duration.Duration
}

export class Mail extends Context.Service<Mail, MailSettings>()("starform/identity/Mail") {
  static readonly defaults = {
    from: "Starform <no-reply@starform.localhost>",
    maxAttempts: 8,
    firstRetry: Duration.seconds(30),
    longestRetry: Duration.hours(1),
    lease: Duration.minutes(2),
    pollInterval: Duration.seconds(1),
    concurrency: 2,
    // the longest-lived link in an email is an invitation's, 7 days
    maxAge: Duration.days(7),
    smtpTimeout: Duration.seconds(20),
  } satisfies Omit<MailSettings, "delivery">

  static readonly layer = (settings: { readonly delivery: Delivery } & Partial<MailSettings>) =>
    Layer.succeed(Mail, Mail.of({ ...Mail.defaults, ...settings }))

  /**
   * `SMTP_URL` (`smtp://user:password@host:587`, `smtps://…:465`) and `MAIL_FROM`; without `SMTP_URL`, `.eml` files
   * in `emlDirectory` and a line on the console for each.
   */
  static readonly fromEnv = (fallback: {
    readonly emlDirectory: string
    readonly announce: (line: string) => Effect.Effect<void>
  }) =>
    Effect.gen(function* () {
      const smtpUrl = yield* Config.option(Config.Redacted("SMTP_URL"))
      const from = yield* Config.String("MAIL_FROM").pipe(Config.withDefault(Mail.defaults.from))
      const delivery: Delivery = Option.match(
        Option.filter(smtpUrl, (url) => Redacted.value(url).trim() !== ""),
        {
          onSome: (url) => ({ _tag: "Smtp", url }),
          onNone: () => ({ _tag: "EmlFiles", directory: fallback.emlDirectory, announce: fallback.announce }),
        },
      )
      return { ...Mail.defaults, from, delivery } satisfies MailSettings
    })
}
