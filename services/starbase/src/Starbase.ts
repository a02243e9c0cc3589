import { join, relative } from "node:path"
import { FieldCrypto, loadKeyring } from "@starform/crypto"
import { Assets } from "@starform/dashboard"
import { Database, EmbeddedPostgres, Migrations } from "@starform/db"
import { Mail } from "@starform/identity"
import { Kube } from "@starform/kube"
import { Console, Data, Effect, Layer, Option, Redacted, Schema } from "effect"
import * as BuildCluster from "./BuildCluster.ts"
import { StarbaseConfig } from "./Config.ts"
import * as ControlPlane from "./ControlPlane.ts"
import * as LocalCluster from "./LocalCluster.ts"

/** A step of start-up failed for a reason outside Starform (a database that does not answer, a port in use). */
export class StartupFailed extends Data.TaggedError("StartupFailed")<{
  readonly message: string
  readonly cause: unknown
}> {}

export class DatabaseUrlMissing extends Schema.TaggedError<DatabaseUrlMissing>()("DatabaseUrlMissing", {}) {
  override get message() {
    return "DATABASE_URL is not set. In production (STARFORM_ENV=production) Starform does not run its embedded PostgreSQL: set DATABASE_URL to the control-plane database, e.g. postgres://user:password@host:5432/starform"
  }
}

export class JwtSigningKeyMissing extends Schema.TaggedError<JwtSigningKeyMissing>()("JwtSigningKeyMissing", {}) {
  override get message() {
    return "JWT_SIGNING_KEY is not set. In production every identity replica must sign access tokens with the same Ed25519 key: set JWT_SIGNING_KEY to a PKCS#8 PEM, e.g. the output of `openssl genpkey -algorithm ed25519`"
  }
}

/** Access tokens are signed with `JWT_SIGNING_KEY`; outside production a key made at start-up will do. */
const signingKey = (config: StarbaseConfig) =>
  Effect.gen(function* () {
    if (process.env.JWT_SIGNING_KEY !== undefined && process.env.JWT_SIGNING_KEY !== "") return
    if (config.mode === "production") return yield* new JwtSigningKeyMissing()
    yield* Console.log(
      "starform: JWT_SIGNING_KEY is not set, so access tokens are signed with a key made at start-up (after a restart, clients renew them with their refresh tokens)",
    )
  })

export class SmtpUrlMissing extends Schema.TaggedError<SmtpUrlMissing>()("SmtpUrlMissing", {}) {
  override get message() {
    return "SMTP_URL is not set. In production Starform sends its email (address verification, invitations, password resets) through an SMTP server: set SMTP_URL, e.g. smtp://user:password@smtp.example.com:587, and MAIL_FROM, e.g. Starform <no-reply@example.com>"
  }
}

/**
 * Where identity's email goes: `SMTP_URL`, or outside production an `.eml` file per message under `STARFORM_HOME/mail`
 * with its link printed here (so a person can verify their address on one machine).
 */
const mail = (config: StarbaseConfig) =>
  Effect.gen(function* () {
    const directory = join(config.home, "mail")
    const settings = yield* Mail.fromEnv({
      emlDirectory: directory,
      announce: (line) => Console.log(`starform: ${line}`),
    })
    if (settings.delivery._tag === "Smtp") {
      // the server's host only: the URL's user and password stay out of the console
      const host = URL.parse(Redacted.value(settings.delivery.url))?.host ?? "the configured host"
      yield* Console.log(`starform: email goes out through the SMTP server at ${host}, from ${settings.from}`)
      return settings
    }
    if (config.mode === "production") return yield* new SmtpUrlMissing()
    yield* Console.log(
      `starform: SMTP_URL is not set, so email is written to ${display(directory)} (one .eml file per message) and its link printed here`,
    )
    return settings
  })

/** The encryption keyring: `ENCRYPTION_KEY`, or outside production a development key kept in `.starform/`. */
const keyring = (config: StarbaseConfig) =>
  Effect.gen(function* () {
    const devKeyFile = join(config.home, "encryption.key")
    const loaded = yield* loadKeyring({ env: process.env, production: config.mode === "production", devKeyFile })
    if (loaded.createdDevKeyFile !== undefined) {
      yield* Console.log(
        `starform: ENCRYPTION_KEY is not set, so a development encryption key was created at ${display(devKeyFile)} (keep it: what it encrypted cannot be read without it)`,
      )
    } else if (loaded.source !== "ENCRYPTION_KEY") {
      yield* Console.log(
        `starform: ENCRYPTION_KEY is not set, so the development key at ${display(devKeyFile)} is used`,
      )
    }
    return loaded.keyring
  })

/** The control-plane database: `DATABASE_URL`, or real PostgreSQL binaries under `.starform/postgres`. */
const database = (config: StarbaseConfig) =>
  Option.match(config.databaseUrl, {
    onSome: (url) => Effect.succeed(url),
    onNone: () =>
      Effect.gen(function* () {
        if (config.mode === "production") return yield* new DatabaseUrlMissing()
        const home = join(config.home, "postgres")
        const running = yield* EmbeddedPostgres.start({ home })
        yield* Console.log(
          `starform: DATABASE_URL is not set, so PostgreSQL runs embedded on 127.0.0.1:${running.port} (data in ${display(running.dataDirectory)})`,
        )
        return running.url
      }),
  })

/** The dashboard's static files, built first when their sources changed since the last build. */
const dashboard = Effect.gen(function* () {
  const assets = yield* Effect.tryPromise({
    try: () => Assets.ensureBuilt(),
    catch: (cause) => new StartupFailed({ message: "cannot build the dashboard", cause }),
  })
  if (assets.built) yield* Console.log(`starform: built the dashboard (${display(assets.directory)})`)
  return assets.directory
})

const display = (path: string) => {
  const rel = relative(process.cwd(), path)
  return rel.startsWith("..") ? path : rel
}

/**
 * Starbase, the whole control plane on one machine: database, migrations, then the gateway. It runs until its
 * scope closes (Ctrl-C), then stops the gateway, the database pool and the embedded PostgreSQL in that order.
 */
export const run = Effect.gen(function* () {
  const config = yield* StarbaseConfig
  // Checked before anything starts, so a production start without its secrets stops at once.
  const keys = yield* keyring(config)
  const url = yield* database(config)
  yield* signingKey(config)
  const mailSettings = yield* mail(config)

  const applied = yield* Migrations.run().pipe(
    Effect.provide(Database.layer(url, { maxConnections: 1 })),
    Effect.mapError(
      (cause) => new StartupFailed({ message: `cannot migrate PostgreSQL at ${Database.redactUrl(url)}`, cause }),
    ),
  )
  yield* Console.log(
    applied.length === 0
      ? "starform: database schema is up to date"
      : `starform: applied ${applied.length} migration(s): ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`,
  )

  const dashboardDirectory = yield* dashboard

  // Built in this scope, so the pool lives as long as the services using it.
  const resources = yield* Layer.build(Layer.mergeAll(Database.layer(url), FieldCrypto.layerFromKeyring(keys)))
  // Without KUBECONFIG one simulated cluster takes builds and workloads alike (Shuttle is started on it below).
  const simulated = Option.isSome(config.kubeconfig) ? undefined : yield* Layer.build(LocalCluster.simulator)
  const running = yield* ControlPlane.start({
    host: config.host,
    port: config.port,
    identityPort: config.identityPort,
    projectsPort: config.projectsPort,
    buildsPort: config.buildsPort,
    buildCluster:
      simulated === undefined
        ? Kube.layerFromDefault()
        : BuildCluster.onSimulator.pipe(Layer.provide(Layer.succeedContext(simulated))),
    redisUrl: Option.getOrUndefined(config.redisUrl),
    identityFromEnv: true,
    mail: mailSettings,
    dashboardDirectory,
  }).pipe(
    Effect.provideContext(resources),
    Effect.mapError(
      (cause) =>
        new StartupFailed({
          message: `cannot listen on ${config.host}:${config.port} and ${config.identityPort} (set HOST, PORT or IDENTITY_PORT)`,
          cause,
        }),
    ),
  )
  yield* Console.log(`starform: identity service listening on ${running.identityUrl}`)
  yield* Console.log(`starform: projects service listening on ${running.projectsUrl}`)
  yield* Console.log(
    `starform: builds service listening on ${running.buildsUrl}${Option.isSome(config.kubeconfig) ? "" : " (KUBECONFIG is not set, so builds run on a simulated cluster)"}`,
  )
  if (process.env.GITHUB_APP_ID === undefined || process.env.GITHUB_WEBHOOK_SECRET === undefined) {
    yield* Console.log(
      "starform: GitHub is not configured (set GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_WEBHOOK_SECRET to connect repositories)",
    )
  }
  if (Option.isNone(config.redisUrl)) {
    yield* Console.log("starform: REDIS_URL is not set, so rate limits are kept in this process")
  }
  if (simulated !== undefined) {
    const clusterId = yield* LocalCluster.startShuttle(running.projectsUrl).pipe(
      Effect.provideContext(simulated),
      Effect.mapError(
        (cause) =>
          new StartupFailed({ message: "cannot register the simulated cluster with the projects service", cause }),
      ),
    )
    yield* Console.log(
      `starform: KUBECONFIG is not set, so workloads run on a simulated cluster (region local, cluster ${clusterId}) that Shuttle reconciles`,
    )
  }
  yield* Console.log(`starform: gateway listening on ${running.gatewayUrl} (Ctrl-C stops)`)
  yield* Console.log(`starform: dashboard at ${running.gatewayUrl}/`)
  yield* Effect.addFinalizer(() => Console.log("starform: stopping"))
  return yield* Effect.never
}).pipe(Effect.scoped)
