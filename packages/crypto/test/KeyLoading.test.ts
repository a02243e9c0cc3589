import { randomBytes } from "node:crypto"
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import {
  Catalog,
  EncryptionKeyInvalid,
  EncryptionKeyMissing,
  FieldCrypto,
  Keyring,
  type LoadOptions,
  loadKeyring,
} from "@starform/crypto"
import { Effect } from "effect"

/** A scratch directory of the test's own, removed afterwards. */
const scratch = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "starform-crypto-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true })),
)

const exists = (path: string) =>
  Effect.promise(() =>
    stat(path).then(
      () => true,
      () => false,
    ),
  )

const load = (options: LoadOptions) => loadKeyring(options)
const base64Key = () => randomBytes(32).toString("base64")

/** Everything an error would show a person or a log. */
const everythingShown = (error: unknown) =>
  [String(error), (error as Error).message, JSON.stringify(error), inspect(error, { depth: 5 })].join("\n")

const guidance = [
  "openssl rand -base64 32",
  "node -e \"console.log(crypto.randomBytes(32).toString('base64'))\"",
  "32 bytes",
  "standard base64",
]

describe("loadKeyring in production (STARFORM_ENV=production)", () => {
  it.effect("stops when ENCRYPTION_KEY is missing, saying what to set and how to make one", () =>
    Effect.gen(function* () {
      const dir = yield* scratch
      const devKeyFile = join(dir, "encryption.key")
      for (const env of [{ STARFORM_ENV: "production" }, { STARFORM_ENV: "production", ENCRYPTION_KEY: "" }]) {
        const error = yield* Effect.flip(load({ env, devKeyFile }))
        expect(error).toBeInstanceOf(EncryptionKeyMissing)
        expect(error.message).toContain("ENCRYPTION_KEY is not set")
        expect(error.message).toContain("STARFORM_ENV=production")
        for (const hint of guidance) expect(error.message).toContain(hint)
      }
      // Production never falls back to (or makes) a development key file.
      expect(yield* exists(devKeyFile)).toBe(false)
    }),
  )

  it.effect("ignores an existing development key file", () =>
    Effect.gen(function* () {
      const devKeyFile = join(yield* scratch, "encryption.key")
      yield* Effect.promise(() => writeFile(devKeyFile, `${base64Key()}\n`, { mode: 0o600 }))
      const error = yield* Effect.flip(load({ env: {}, production: true, devKeyFile }))
      expect(error).toBeInstanceOf(EncryptionKeyMissing)
    }),
  )

  it.effect("stops on a malformed ENCRYPTION_KEY, naming the variable and the rule but never the value", () =>
    Effect.gen(function* () {
      const devKeyFile = join(yield* scratch, "encryption.key")
      const malformed: ReadonlyArray<readonly [string, string]> = [
        [randomBytes(16).toString("base64"), "it decodes to 16 bytes, not 32"],
        [randomBytes(48).toString("base64"), "it decodes to 48 bytes, not 32"],
        [`-_${randomBytes(32).toString("base64url").slice(2)}`, "it looks like base64url"],
        [randomBytes(32).toString("base64").slice(0, -1), "is the '=' padding missing?"],
        ["correct horse battery staple, obviously", "it contains characters outside standard base64"],
        [randomBytes(32).toString("hex"), "it decodes to 48 bytes"],
        ["   ", "it is empty"],
      ]
      for (const [value, reason] of malformed) {
        const error = yield* Effect.flip(
          load({ env: { STARFORM_ENV: "production", ENCRYPTION_KEY: value }, devKeyFile }),
        )
        expect(error, reason).toBeInstanceOf(EncryptionKeyInvalid)
        expect(error.message).toContain("ENCRYPTION_KEY is not a valid encryption key")
        expect(error.message).toContain(reason)
        for (const hint of guidance) expect(error.message).toContain(hint)
        if (value.trim() !== "") expect(everythingShown(error)).not.toContain(value.trim())
      }
    }),
  )

  it.effect("loads ENCRYPTION_KEY and the previous keys, and values sealed under a previous key still open", () =>
    Effect.gen(function* () {
      const devKeyFile = join(yield* scratch, "encryption.key")
      const [old, older, current] = [base64Key(), base64Key(), base64Key()]
      const before = FieldCrypto.make(
        (yield* load({ env: { ENCRYPTION_KEY: old }, production: true, devKeyFile })).keyring,
      )
      const sealed = yield* before.encrypt("hunter2", Catalog.userTotpSecret)

      const loaded = yield* load({
        env: { STARFORM_ENV: "production", ENCRYPTION_KEY: current, ENCRYPTION_PREVIOUS_KEYS: ` ${older} ,${old},` },
        devKeyFile,
      })
      expect(loaded.source).toBe("ENCRYPTION_KEY")
      expect(loaded.createdDevKeyFile).toBeUndefined()
      expect(loaded.keyring.current.id).toBe(Keyring.keyIdOf(Buffer.from(current, "base64")))
      expect(loaded.keyring.previous.map((key) => key.id)).toEqual(
        [older, old].map((key) => Keyring.keyIdOf(Buffer.from(key, "base64"))),
      )
      const after = FieldCrypto.make(loaded.keyring)
      expect(yield* after.decrypt(sealed, Catalog.userTotpSecret)).toBe("hunter2")
      expect((yield* after.reencrypt(sealed, Catalog.userTotpSecret)).split(":")[2]).toBe(after.keyId)
    }),
  )

  it.effect("names the malformed entry of ENCRYPTION_PREVIOUS_KEYS without showing it", () =>
    Effect.gen(function* () {
      const devKeyFile = join(yield* scratch, "encryption.key")
      const bad = randomBytes(24).toString("base64")
      const error = yield* Effect.flip(
        load({
          env: { ENCRYPTION_KEY: base64Key(), ENCRYPTION_PREVIOUS_KEYS: `${base64Key()},${bad}` },
          production: true,
          devKeyFile,
        }),
      )
      expect(error).toBeInstanceOf(EncryptionKeyInvalid)
      expect(error.message).toContain("ENCRYPTION_PREVIOUS_KEYS (entry 2) is not a valid encryption key")
      expect(error.message).toContain("it decodes to 24 bytes, not 32")
      expect(everythingShown(error)).not.toContain(bad)
    }),
  )
})

describe("loadKeyring outside production", () => {
  it.effect("creates a development key file (0600) once, reports it, and reuses it on the next start", () =>
    Effect.gen(function* () {
      const devKeyFile = join(yield* scratch, ".starform", "encryption.key")
      const first = yield* load({ env: {}, devKeyFile })
      expect(first.createdDevKeyFile).toBe(devKeyFile)
      expect(first.source).toBe(devKeyFile)

      const info = yield* Effect.promise(() => stat(devKeyFile))
      expect(info.mode & 0o777).toBe(0o600)
      const text = yield* Effect.promise(() => readFile(devKeyFile, "utf8"))
      expect(text).toMatch(/^[A-Za-z0-9+/]{43}=\n$/)
      expect(first.keyring.current.id).toBe(Keyring.keyIdOf(Buffer.from(text.trim(), "base64")))
      const sealed = yield* FieldCrypto.make(first.keyring).encrypt("dev secret", Catalog.databasePassword)

      const second = yield* load({ env: { STARFORM_ENV: "development" }, devKeyFile })
      expect(second.createdDevKeyFile).toBeUndefined()
      expect(second.keyring.current.id).toBe(first.keyring.current.id)
      expect(yield* Effect.promise(() => readFile(devKeyFile, "utf8"))).toBe(text)
      expect(yield* FieldCrypto.make(second.keyring).decrypt(sealed, Catalog.databasePassword)).toBe("dev secret")
    }),
  )

  it.effect("agrees on one key when several processes start at once", () =>
    Effect.gen(function* () {
      const dir = yield* scratch
      const devKeyFile = join(dir, "encryption.key")
      const loads = yield* Effect.all(
        Array.from({ length: 8 }, () => load({ env: {}, devKeyFile })),
        { concurrency: "unbounded" },
      )
      expect(new Set(loads.map((loaded) => loaded.keyring.current.id)).size).toBe(1)
      expect(loads.filter((loaded) => loaded.createdDevKeyFile !== undefined)).toHaveLength(1)
      // The drafts written on the way are gone.
      expect(yield* Effect.promise(() => readdir(dir))).toEqual(["encryption.key"])
    }),
  )

  it.effect("prefers ENCRYPTION_KEY to the development key file", () =>
    Effect.gen(function* () {
      const devKeyFile = join(yield* scratch, "encryption.key")
      const key = base64Key()
      const loaded = yield* load({ env: { ENCRYPTION_KEY: key }, devKeyFile })
      expect(loaded.source).toBe("ENCRYPTION_KEY")
      expect(loaded.keyring.current.id).toBe(Keyring.keyIdOf(Buffer.from(key, "base64")))
      expect(yield* exists(devKeyFile)).toBe(false)
    }),
  )

  it.effect("still refuses a set but malformed ENCRYPTION_KEY, without echoing it", () =>
    Effect.gen(function* () {
      const devKeyFile = join(yield* scratch, "encryption.key")
      const value = randomBytes(31).toString("base64")
      const error = yield* Effect.flip(load({ env: { ENCRYPTION_KEY: value }, devKeyFile }))
      expect(error).toBeInstanceOf(EncryptionKeyInvalid)
      expect(error.message).toContain("ENCRYPTION_KEY is not a valid encryption key: it decodes to 31 bytes, not 32")
      expect(error.message).toContain("exactly 32 bytes written in standard base64")
      expect(everythingShown(error)).not.toContain(value)
      // It does not quietly fall back to a development key either.
      expect(yield* exists(devKeyFile)).toBe(false)
    }),
  )

  it.effect("refuses a damaged development key file, naming the file but not its contents", () =>
    Effect.gen(function* () {
      const devKeyFile = join(yield* scratch, "encryption.key")
      const contents = randomBytes(20).toString("base64")
      yield* Effect.promise(() => writeFile(devKeyFile, contents, { mode: 0o600 }))
      const error = yield* Effect.flip(load({ env: {}, devKeyFile }))
      expect(error).toBeInstanceOf(EncryptionKeyInvalid)
      expect(error.message).toContain(`the development key file ${devKeyFile} is not a valid encryption key`)
      expect(everythingShown(error)).not.toContain(contents)
    }),
  )
})
