import { createHash, randomBytes } from "node:crypto"
import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import {
  Catalog,
  DecryptionFailed,
  type EncryptedColumn,
  Envelope,
  FieldCrypto,
  Keyring,
  MalformedEnvelope,
  UnknownEncryptionKey,
} from "@starform/crypto"
import { Effect, Result } from "effect"

// Fixed keys keep the envelope cases below reproducible (key A's id has letters, so upper-casing it changes it).
const keyA = createHash("sha256").update("starform test key A").digest()
const keyB = createHash("sha256").update("starform test key B").digest()
const column = Catalog.serviceVariableValue
const secret = "postgres://app:s3cr3t-p4ss@db.internal:5432/app"

const cryptoWith = (current: Uint8Array, previous: ReadonlyArray<Uint8Array> = []) =>
  FieldCrypto.make(Keyring.fromBytes(current, previous))

const crypto = cryptoWith(keyA)

/** The envelope with one bit flipped in the chosen part (decoded, so the text stays a well-formed envelope). */
const flipBit = (text: string, part: "nonce" | "ciphertext" | "tag") => {
  const envelope = Result.getOrThrow(Envelope.parse(text))
  const nonce = Buffer.from(envelope.nonce)
  const sealed = Buffer.from(envelope.sealed)
  if (part === "nonce") nonce[5]! ^= 0x01
  if (part === "ciphertext") sealed[0]! ^= 0x80
  if (part === "tag") sealed[sealed.length - 1]! ^= 0x01
  return Envelope.format({ keyId: envelope.keyId, nonce, sealed })
}

/** What an error would show a person or a log: none of it may carry the secret or a key. */
const everythingShown = (error: unknown) =>
  [String(error), (error as Error).message, JSON.stringify(error), inspect(error, { depth: 5 })].join("\n")

describe("FieldCrypto", () => {
  it.effect("round-trips an empty string, unicode and a 1 MB value", () =>
    Effect.gen(function* () {
      const megabyte = randomBytes(768 * 1024).toString("base64")
      expect(megabyte.length).toBe(1024 * 1024)
      for (const plaintext of ["", "pässwörd · 秘密 · 🔑\u0000tab\there", megabyte]) {
        const envelope = yield* crypto.encrypt(plaintext, column)
        expect(envelope).toMatch(Envelope.pattern)
        expect(yield* crypto.decrypt(envelope, column)).toBe(plaintext)
      }
    }),
  )

  it.effect("writes the envelope the database CHECK accepts, naming the key without containing it", () =>
    Effect.gen(function* () {
      const envelope = yield* crypto.encrypt(secret, column)
      const [prefix, version, keyId, nonce, sealed] = envelope.split(":")
      expect([prefix, version]).toEqual(["enc", "v1"])
      expect(keyId).toBe(Keyring.keyIdOf(keyA))
      expect(crypto.keyId).toBe(keyId)
      expect(nonce).toHaveLength(16)
      expect(Buffer.from(sealed!, "base64url").byteLength).toBe(Buffer.byteLength(secret) + 16)
      expect(envelope).not.toContain(secret)
      expect(envelope).not.toContain(keyA.toString("base64"))
      expect(envelope).not.toContain(keyA.toString("base64url"))
    }),
  )

  it.effect("seals the same value differently every time (a fresh nonce)", () =>
    Effect.gen(function* () {
      const first = yield* crypto.encrypt(secret, column)
      const second = yield* crypto.encrypt(secret, column)
      expect(first).not.toBe(second)
      expect(first.split(":")[3]).not.toBe(second.split(":")[3])
      expect(yield* crypto.decrypt(second, column)).toBe(secret)
    }),
  )

  for (const part of ["nonce", "ciphertext", "tag"] as const) {
    it.effect(`refuses a value with one bit flipped in its ${part}`, () =>
      Effect.gen(function* () {
        const tampered = flipBit(yield* crypto.encrypt(secret, column), part)
        expect(tampered).toMatch(Envelope.pattern)
        const error = yield* Effect.flip(crypto.decrypt(tampered, column))
        expect(error).toBeInstanceOf(DecryptionFailed)
        expect(error.message).toBe(
          "cannot decrypt service_variables.value_ciphertext: failed authentication: the value was altered or belongs to another column",
        )
        expect(everythingShown(error)).not.toContain(secret)
      }),
    )
  }

  it.effect("refuses a value copied into another column", () =>
    Effect.gen(function* () {
      const envelope = yield* crypto.encrypt(secret, Catalog.serviceVariableValue)
      const error = yield* Effect.flip(crypto.decrypt(envelope, Catalog.varGroupEntryValue))
      expect(error).toBeInstanceOf(DecryptionFailed)
      expect(error.message).toContain("var_group_entries.value_ciphertext: failed authentication")
      expect(error.message).toContain("belongs to another column")
    }),
  )

  it.effect("names the missing key when a value was sealed with a key this process was not given", () =>
    Effect.gen(function* () {
      const envelope = yield* cryptoWith(keyB).encrypt(secret, column)
      const error = yield* Effect.flip(crypto.decrypt(envelope, column))
      expect(error).toBeInstanceOf(UnknownEncryptionKey)
      expect(error.message).toBe(
        `cannot decrypt service_variables.value_ciphertext: encrypted with key ${Keyring.keyIdOf(keyB)}, which is not configured: set ENCRYPTION_KEY or ENCRYPTION_PREVIOUS_KEYS`,
      )
      const shown = everythingShown(error)
      for (const leak of [secret, keyA.toString("base64"), keyB.toString("base64")]) expect(shown).not.toContain(leak)
    }),
  )

  it.effect("refuses a value whose key id is right but whose key bytes are not", () =>
    Effect.gen(function* () {
      // Sealed with key B, then relabelled with key A's id: the id matches, the key does not.
      const sealedWithB = Result.getOrThrow(Envelope.parse(yield* cryptoWith(keyB).encrypt(secret, column)))
      const forged = Envelope.format({ ...sealedWithB, keyId: Keyring.keyIdOf(keyA) })
      const error = yield* Effect.flip(crypto.decrypt(forged, column))
      expect(error).toBeInstanceOf(DecryptionFailed)
      expect(error.message).toContain("failed authentication")
    }),
  )

  it.effect("still opens values under a previous key, and reencrypt moves them to the current one", () =>
    Effect.gen(function* () {
      const old = yield* cryptoWith(keyA).encrypt(secret, column)
      const rotated = cryptoWith(keyB, [keyA])
      expect(rotated.keyId).toBe(Keyring.keyIdOf(keyB))
      expect(yield* rotated.decrypt(old, column)).toBe(secret)

      const moved = yield* rotated.reencrypt(old, column)
      expect(moved.split(":")[2]).toBe(Keyring.keyIdOf(keyB))
      expect(yield* cryptoWith(keyB).decrypt(moved, column)).toBe(secret)
      // Already current: returned as it is, not resealed.
      expect(yield* rotated.reencrypt(moved, column)).toBe(moved)
      // Re-encryption checks the value first: a tampered or misplaced value is refused, not laundered.
      expect(yield* Effect.flip(rotated.reencrypt(flipBit(old, "tag"), column))).toBeInstanceOf(DecryptionFailed)
      expect(yield* Effect.flip(rotated.reencrypt(old, Catalog.databasePassword))).toBeInstanceOf(DecryptionFailed)
    }),
  )

  it.effect("rejects text that is not an envelope, without quoting it", () =>
    Effect.gen(function* () {
      const good = yield* crypto.encrypt(secret, column)
      const [, , keyId, nonce, sealed] = good.split(":")
      // 17 bytes end in a character whose 2 lowest bits are padding; set one and Node would still decode it.
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
      const canonical = randomBytes(17).toString("base64url")
      const nonCanonical = canonical.slice(0, -1) + alphabet[alphabet.indexOf(canonical.at(-1)!) | 1]
      const cases: ReadonlyArray<readonly [string, string]> = [
        [secret, "does not start with enc:v1:"],
        ["", "does not start with enc:v1:"],
        [`enc:v2:${keyId}:${nonce}:${sealed}`, "version v2 is not supported"],
        [`enc:v1:${keyId}:${nonce}`, "4 colon-separated parts, expected 5"],
        [`enc:v1:${keyId}:${nonce}:${sealed}:extra`, "6 colon-separated parts"],
        [`enc:v1:${keyId!.toUpperCase()}:${nonce}:${sealed}`, "key id is not 16 lower-case hex"],
        [`enc:v1:${keyId!.slice(1)}:${nonce}:${sealed}`, "key id is not 16 lower-case hex"],
        [`enc:v1:${keyId}:${nonce!.slice(1)}:${sealed}`, "nonce is not 16 base64url characters"],
        [`enc:v1:${keyId}:+${nonce!.slice(1)}:${sealed}`, "nonce is not 16 base64url characters"],
        [`enc:v1:${keyId}:${nonce}:`, "sealed part is not base64url"],
        [`enc:v1:${keyId}:${nonce}:${sealed}==`, "sealed part is not base64url"],
        [`enc:v1:${keyId}:${nonce}:${sealed!.slice(0, 10)}.${sealed!.slice(11)}`, "sealed part is not base64url"],
        [`enc:v1:${keyId}:${nonce}:${nonCanonical}`, "sealed part is not base64url"],
        [`enc:v1:${keyId}:${nonce}:${randomBytes(15).toString("base64url")}`, "shorter than the 16-byte GCM tag"],
      ]
      for (const [text, reason] of cases) {
        const error = yield* Effect.flip(crypto.decrypt(text, column))
        expect(error, text).toBeInstanceOf(MalformedEnvelope)
        expect(error.message).toContain("cannot decrypt service_variables.value_ciphertext: not an encrypted value")
        expect(error.message).toContain(reason)
        expect(everythingShown(error)).not.toContain(secret)
      }
    }),
  )

  it("never shows key material when a keyring is printed or serialised", () => {
    const keyring = Keyring.fromBytes(keyA, [keyB])
    const shown = [inspect(keyring, { depth: 10 }), JSON.stringify(keyring), String(keyring.current.secret)].join("\n")
    for (const key of [keyA, keyB]) {
      expect(shown).not.toContain(key.toString("base64"))
      expect(shown).not.toContain(key.toString("hex"))
    }
    expect(shown).toContain(Keyring.keyIdOf(keyA))
  })

  it("drops previous keys that repeat the current one or each other", () => {
    const keyring = Keyring.fromBytes(keyA, [keyA, keyB, keyB])
    expect(keyring.previous.map((key) => key.id)).toEqual([Keyring.keyIdOf(keyB)])
  })

  it("refuses raw keys that are not 32 bytes", () => {
    expect(() => Keyring.fromBytes(randomBytes(16))).toThrow("exactly 32 bytes, got 16")
  })
})

describe("Catalog", () => {
  it("names every column table.column, once, with what it holds and who writes it", () => {
    const names = Catalog.all.map((entry) => entry.name)
    expect(new Set(names).size).toBe(names.length)
    for (const entry of Catalog.all) {
      expect(entry.name).toBe(`${entry.table}.${entry.column}`)
      expect(entry.column).toMatch(/^[a-z0-9_]+_ciphertext$/)
      expect(entry.holds.length).toBeGreaterThan(10)
      expect(entry.writtenBy.length).toBeGreaterThan(5)
    }
    expect(names).toEqual([
      "var_group_entries.value_ciphertext",
      "service_variables.value_ciphertext",
      "databases.password_ciphertext",
      "buckets.secret_access_key_ciphertext",
      "github_installations.access_token_ciphertext",
      "cloud_credentials.secret_ciphertext",
      "clusters.kubeconfig_ciphertext",
      "users.totp_secret_ciphertext",
      "deployments.variables_ciphertext",
    ])
  })

  it("accepts only catalogued columns, at compile time", () => {
    const adHoc = {
      table: "users",
      column: "email_ciphertext",
      name: "users.email_ciphertext",
      holds: "an email",
      writtenBy: "nobody",
    } as const
    const columnOf = (entry: EncryptedColumn) => entry.name
    // @ts-expect-error: an object the catalog did not make is not an EncryptedColumn (`tsc -b` fails if it were)
    expect(columnOf(adHoc)).toBe("users.email_ciphertext")
    expect(Object.isFrozen(Catalog.userTotpSecret)).toBe(true)
  })
})
