import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { Ids } from "@starform/domain"
import { Effect, Schema } from "effect"
import { exitCodes, fail } from "./Failure.ts"

/**
 * The CLI's two files: the person's credentials (`$XDG_CONFIG_HOME/starform/credentials.json`, or
 * `~/.config/starform/…`, mode 0600 in a 0700 folder) and a folder's link to its project (`.starform.json` in the
 * folder, safe to commit: ids only, no secret).
 */

export class Credentials extends Schema.Class<Credentials>("Credentials")({
  /** The gateway these tokens are for. */
  apiUrl: Schema.String,
  accessToken: Schema.String,
  /** Epoch milliseconds after which the access token is refreshed before use. */
  accessTokenExpiresAt: Schema.Number,
  refreshToken: Schema.String,
  sessionId: Schema.String,
}) {}

export class Link extends Schema.Class<Link>("Link")({
  workspaceId: Ids.WorkspaceId,
  projectId: Ids.ProjectId,
  environmentId: Ids.EnvironmentId,
  /** The service commands act on when `--service` is not given; null until one is chosen. */
  serviceId: Schema.NullOr(Ids.ServiceId),
}) {}

export const linkFileName = ".starform.json"

export const configDirectory = (): string => join(process.env.XDG_CONFIG_HOME || join(homedir(), ".config"), "starform")

export const credentialsPath = (): string => join(configDirectory(), "credentials.json")

const readJson = <A>(path: string, schema: Schema.Decoder<A>) =>
  Effect.try({
    try: () => (existsSync(path) ? Schema.decodeUnknownSync(schema)(JSON.parse(readFileSync(path, "utf8"))) : null),
    catch: () => fail(exitCodes.usage, `${path} is not readable: delete it and try again.`),
  })

export const readCredentials = Effect.suspend(() => readJson(credentialsPath(), Credentials))

export const writeCredentials = (credentials: Credentials) =>
  Effect.sync(() => {
    const path = credentialsPath()
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    writeFileSync(path, `${JSON.stringify(Schema.encodeSync(Credentials)(credentials), null, 2)}\n`, { mode: 0o600 })
    // `mode` applies only when the file is created: tighten one that already existed.
    chmodSync(path, 0o600)
  })

export const removeCredentials = Effect.sync(() => rmSync(credentialsPath(), { force: true }))

/** The link of `folder` or the nearest folder above it that has one. */
export const findLink = (folder: string) =>
  Effect.gen(function* () {
    let current = folder
    for (;;) {
      const path = join(current, linkFileName)
      if (existsSync(path)) return yield* readJson(path, Link)
      const parent = dirname(current)
      if (parent === current) return null
      current = parent
    }
  })

export const requireLink = (folder: string) =>
  Effect.flatMap(findLink(folder), (link) =>
    link === null
      ? Effect.fail(
          fail(
            exitCodes.notLinked,
            `This folder is not linked to a Starform project: run \`starform init\` or \`starform link\` here.`,
          ),
        )
      : Effect.succeed(link),
  )

export const writeLink = (folder: string, link: Link) =>
  Effect.sync(() =>
    writeFileSync(join(folder, linkFileName), `${JSON.stringify(Schema.encodeSync(Link)(link), null, 2)}\n`),
  )
