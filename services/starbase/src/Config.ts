import { fileURLToPath } from "node:url"
import { Config, Option, Schema } from "effect"

/** Where `npm start` keeps what it makes on this machine: the embedded database, the development key, tools. */
export const defaultHome = fileURLToPath(new URL("../../../.starform", import.meta.url))

/** Everything Starbase reads from the environment; each unset dependency falls back to its embedded default. */
/** 0 asks the system for a free port (tests do). */
const Port = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))

export const StarbaseConfig = Config.all({
  /** `production` makes every missing secret a start-up error instead of a generated development value. */
  mode: Config.Literals(["development", "production"], "STARFORM_ENV").pipe(Config.withDefault("development" as const)),
  home: Config.String("STARFORM_HOME").pipe(Config.withDefault(defaultHome)),
  host: Config.String("HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.schema(Port, "PORT").pipe(Config.withDefault(8080)),
  databaseUrl: Config.option(Config.String("DATABASE_URL")),
  /** Where the identity service listens for the gateway's RPCs (on `HOST`); 0, the default, picks a free port. */
  identityPort: Config.schema(Port, "IDENTITY_PORT").pipe(Config.withDefault(0)),
  projectsPort: Config.schema(Port, "PROJECTS_PORT").pipe(Config.withDefault(0)),
  /** Where the builds service listens (on `HOST`); 0, the default, picks a free port. */
  buildsPort: Config.schema(Port, "BUILDS_PORT").pipe(Config.withDefault(0)),
  /** A kubeconfig for the cluster builds run on; unset: a simulated cluster in this process. */
  kubeconfig: Config.option(Config.String("KUBECONFIG")),
  /** Redis for rate limiting; unset: an in-process limiter. */
  redisUrl: Config.option(Config.String("REDIS_URL")),
})

export type StarbaseConfig = Config.Success<typeof StarbaseConfig>

export const usesEmbeddedDatabase = (config: StarbaseConfig) => Option.isNone(config.databaseUrl)
