import { Config, Context, Duration, Effect, Layer, Option, type Redacted } from "effect"

/** One OIDC issuer people may sign in with. */
export interface SsoProviderConfig {
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** Where the issuer sends the browser back: the dashboard page that posts `code` and `state` to the callback. */
  readonly redirectUri: string
}

/** The identity service's settings. `layer` takes them whole (tests); `layerFromEnv` reads the environment. */
export class IdentityConfig extends Context.Service<
  IdentityConfig,
  {
    /** The `iss` and `aud` of access tokens. */
    readonly issuer: string
    readonly audience: string
    readonly accessTokenLifetime: Duration.Duration
    readonly refreshTokenLifetime: Duration.Duration
    readonly emailVerificationLifetime: Duration.Duration
    readonly passwordResetLifetime: Duration.Duration
    readonly mfaChallengeLifetime: Duration.Duration
    readonly invitationLifetime: Duration.Duration
    /** How long a device-code sign-in (RFC 8628) may wait for approval, and the poll interval it starts with. */
    readonly deviceCodeLifetime: Duration.Duration
    readonly deviceCodeInterval: Duration.Duration
    /** The dashboard's address, for the links in emails. */
    readonly publicUrl: string
    /** An Ed25519 private key as PKCS#8 PEM; none: a key is generated at start-up (access tokens die with it). */
    readonly signingKeyPem: Option.Option<Redacted.Redacted<string>>
    readonly ssoProviders: { readonly [name: string]: SsoProviderConfig }
  }
>()("starform/identity/IdentityConfig") {
  static readonly defaults = {
    issuer: "starform",
    audience: "starform-api",
    accessTokenLifetime: Duration.minutes(15),
    refreshTokenLifetime: Duration.days(30),
    emailVerificationLifetime: Duration.days(2),
    passwordResetLifetime: Duration.hours(1),
    mfaChallengeLifetime: Duration.minutes(5),
    invitationLifetime: Duration.days(7),
    deviceCodeLifetime: Duration.minutes(10),
    deviceCodeInterval: Duration.seconds(5),
    publicUrl: "http://127.0.0.1:8080",
    signingKeyPem: Option.none(),
    ssoProviders: {},
  } satisfies IdentityConfig["Service"]

  static readonly layer = (overrides: Partial<IdentityConfig["Service"]> = {}) =>
    Layer.succeed(IdentityConfig, IdentityConfig.of({ ...IdentityConfig.defaults, ...overrides }))

  /**
   * `PUBLIC_URL` (unset: `http://HOST:PORT`), `JWT_SIGNING_KEY` (Ed25519 PKCS#8 PEM) and one OIDC provider named `oidc` from `OIDC_ISSUER`,
   * `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET` and `OIDC_REDIRECT_URI` (all four, or none).
   */
  static readonly layerFromEnv = Layer.effect(
    IdentityConfig,
    Effect.gen(function* () {
      // unset, the gateway's own address on this machine (`HOST`, `PORT`), where the dashboard is served
      const host = yield* Config.String("HOST").pipe(Config.withDefault("127.0.0.1"))
      const port = yield* Config.Int("PORT").pipe(Config.withDefault(8080))
      const local = `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${port === 0 ? 8080 : port}`
      const publicUrl = yield* Config.String("PUBLIC_URL").pipe(Config.withDefault(local))
      const signingKeyPem = yield* Config.option(Config.Redacted("JWT_SIGNING_KEY"))
      const oidc = yield* Config.option(
        Config.all({
          issuer: Config.String("OIDC_ISSUER"),
          clientId: Config.String("OIDC_CLIENT_ID"),
          clientSecret: Config.Redacted("OIDC_CLIENT_SECRET"),
          redirectUri: Config.String("OIDC_REDIRECT_URI"),
        }),
      )
      return IdentityConfig.of({
        ...IdentityConfig.defaults,
        publicUrl,
        signingKeyPem,
        ssoProviders: Option.match(oidc, { onNone: () => ({}), onSome: (provider) => ({ oidc: provider }) }),
      })
    }),
  )
}
