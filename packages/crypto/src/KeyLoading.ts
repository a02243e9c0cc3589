import { randomBytes } from "node:crypto"
import { chmod, link, mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { dirname } from "node:path"
import { Effect, Result, Schema } from "effect"
import * as Keyring from "./Keyring.ts"

const howToMakeOne =
  "Make one with `openssl rand -base64 32` " +
  "(or `node -e \"console.log(crypto.randomBytes(32).toString('base64'))\"`) and keep it in your secret store: " +
  "values encrypted with it cannot be read without it."

/** Production was started without `ENCRYPTION_KEY`. */
export class EncryptionKeyMissing extends Schema.TaggedError<EncryptionKeyMissing>()("EncryptionKeyMissing", {}) {
  override get message() {
    return `ENCRYPTION_KEY is not set. In production (STARFORM_ENV=production) Starform needs it to encrypt secrets at rest: set ENCRYPTION_KEY to a key of ${Keyring.rule}. ${howToMakeOne}`
  }
}

/** A key was given but is not a key; `source` names where it came from, never what it was. */
export class EncryptionKeyInvalid extends Schema.TaggedError<EncryptionKeyInvalid>()("EncryptionKeyInvalid", {
  source: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `${this.source} is not a valid encryption key: ${this.reason}. It must be ${Keyring.rule}. ${howToMakeOne}`
  }
}

/** The development key file could not be read or written. */
export class DevKeyFileFailed extends Schema.TaggedError<DevKeyFileFailed>()("DevKeyFileFailed", {
  path: Schema.String,
  operation: Schema.Literals(["read", "create"]),
  code: Schema.String,
}) {
  override get message() {
    return `cannot ${this.operation} the development encryption key file ${this.path} (${this.code}): fix its permissions, or set ENCRYPTION_KEY`
  }
}

export type KeyLoadError = EncryptionKeyMissing | EncryptionKeyInvalid | DevKeyFileFailed

export interface LoadedKeyring {
  readonly keyring: Keyring.Keyring
  /** Where the current key came from: `ENCRYPTION_KEY`, or the development key file's path. */
  readonly source: string
  /** The development key file, when this load created it (the caller says so to the person starting Starform). */
  readonly createdDevKeyFile: string | undefined
}

export interface LoadOptions {
  readonly env: Readonly<Record<string, string | undefined>>
  /** Defaults to `env.STARFORM_ENV === "production"`. */
  readonly production?: boolean
  /** Where a development key lives when `ENCRYPTION_KEY` is unset outside production, e.g. `.starform/encryption.key`. */
  readonly devKeyFile: string
}

const parseKey = (text: string, source: string) =>
  Result.match(Keyring.parse(text), {
    onSuccess: Effect.succeed,
    onFailure: (reason) => Effect.fail(new EncryptionKeyInvalid({ source, reason })),
  })

/** `ENCRYPTION_PREVIOUS_KEYS`: comma-separated keys that still decrypt; blanks between commas are ignored. */
const previousKeys = (text: string | undefined) => {
  const entries = (text ?? "").split(",").map((entry) => entry.trim())
  return Effect.forEach(
    entries.flatMap((entry, index) => (entry === "" ? [] : [{ entry, index }])),
    ({ entry, index }) =>
      parseKey(
        entry,
        entries.length === 1 ? "ENCRYPTION_PREVIOUS_KEYS" : `ENCRYPTION_PREVIOUS_KEYS (entry ${index + 1})`,
      ),
  )
}

const errorCode = (cause: unknown) =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : "unknown error"

/** Which step on the development key file failed, carried out of the async code below. */
class DevKeyFileStep {
  readonly operation: "read" | "create"
  readonly cause: unknown
  constructor(operation: "read" | "create", cause: unknown) {
    this.operation = operation
    this.cause = cause
  }
}

const readOrCreate = async (path: string): Promise<{ readonly text: string; readonly created: boolean }> => {
  try {
    return { text: await readFile(path, "utf8"), created: false }
  } catch (cause) {
    if (errorCode(cause) !== "ENOENT") throw new DevKeyFileStep("read", cause)
  }
  const text = `${Keyring.generate()}\n`
  // Written whole beside the target, then hard-linked into place: the link either appears complete or fails with
  // EEXIST, so when two processes start at once both end up with the winner's key and nobody reads half a file.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    await writeFile(draft, text, { mode: 0o600, flag: "wx" })
    // The umask can only narrow 0600, but a default ACL on the directory could widen it: make it exact.
    await chmod(draft, 0o600)
    await link(draft, path)
    return { text, created: true }
  } catch (cause) {
    if (errorCode(cause) !== "EEXIST") throw new DevKeyFileStep("create", cause)
  } finally {
    await rm(draft, { force: true })
  }
  try {
    return { text: await readFile(path, "utf8"), created: false }
  } catch (cause) {
    throw new DevKeyFileStep("read", cause)
  }
}

/** The development key: read from `path`, or made there (directory 0700, file 0600) when it does not exist yet. */
const devKey = (path: string) =>
  Effect.gen(function* () {
    const file = yield* Effect.tryPromise({
      try: () => readOrCreate(path),
      catch: (failure) =>
        failure instanceof DevKeyFileStep
          ? new DevKeyFileFailed({ path, operation: failure.operation, code: errorCode(failure.cause) })
          : new DevKeyFileFailed({ path, operation: "read", code: errorCode(failure) }),
    })
    const key = yield* parseKey(file.text, `the development key file ${path}`)
    return { key, created: file.created }
  })

/**
 * The keyring Starform starts with. `ENCRYPTION_KEY` always wins; in production it is required. Outside
 * production, without it, a development key is read from (or created at) `devKeyFile`. A key that is set but
 * malformed is an error everywhere, and no error ever contains the key.
 */
export const loadKeyring = Effect.fn("loadKeyring")(function* (options: LoadOptions) {
  const production = options.production ?? options.env.STARFORM_ENV === "production"
  const previous = yield* previousKeys(options.env.ENCRYPTION_PREVIOUS_KEYS)
  const fromEnv = options.env.ENCRYPTION_KEY
  // `ENCRYPTION_KEY=` (empty, as env files write "unset") counts as unset; anything else must be a key.
  if (fromEnv !== undefined && fromEnv !== "") {
    const current = yield* parseKey(fromEnv, "ENCRYPTION_KEY")
    return {
      keyring: Keyring.make(current, previous),
      source: "ENCRYPTION_KEY",
      createdDevKeyFile: undefined,
    } satisfies LoadedKeyring
  }
  if (production) return yield* new EncryptionKeyMissing()
  const dev = yield* devKey(options.devKeyFile)
  return {
    keyring: Keyring.make(dev.key, previous),
    source: options.devKeyFile,
    createdDevKeyFile: dev.created ? options.devKeyFile : undefined,
  } satisfies LoadedKeyring
})
