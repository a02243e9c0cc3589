import { createHash, createSecretKey, type KeyObject, randomBytes } from "node:crypto"
import { Result } from "effect"

export const keyBytes = 32

/**
 * One AES-256 key. The material sits in a `KeyObject`, which prints as `SecretKeyObject { symmetricKeySize: 32 }`,
 * so a key that ends up in a log line or an error shows nothing of itself.
 */
export interface Key {
  /** The first 16 hex characters of SHA-256 of the raw key: names the key without revealing it. */
  readonly id: string
  readonly secret: KeyObject
}

/** The current key encrypts; previous keys only decrypt, until a rotation has re-encrypted every value. */
export interface Keyring {
  readonly current: Key
  readonly previous: ReadonlyArray<Key>
}

export const keyIdOf = (raw: Uint8Array): string => createHash("sha256").update(raw).digest("hex").slice(0, 16)

/** A key from its 32 raw bytes; anything else is a programming error. */
export const keyFromBytes = (raw: Uint8Array): Key => {
  if (raw.byteLength !== keyBytes) {
    throw new RangeError(`an encryption key must be exactly ${keyBytes} bytes, got ${raw.byteLength}`)
  }
  return { id: keyIdOf(raw), secret: createSecretKey(Buffer.from(raw)) }
}

/** Previous keys equal to the current one (or to each other) are dropped: a value names one key. */
export const make = (current: Key, previous: ReadonlyArray<Key> = []): Keyring => {
  const byId = new Map<string, Key>()
  for (const key of previous) if (key.id !== current.id && !byId.has(key.id)) byId.set(key.id, key)
  return { current, previous: [...byId.values()] }
}

export const fromBytes = (current: Uint8Array, previous: ReadonlyArray<Uint8Array> = []): Keyring =>
  make(keyFromBytes(current), previous.map(keyFromBytes))

/** The key a value names, when this keyring holds it. */
export const find = (keyring: Keyring, keyId: string): Key | undefined =>
  keyring.current.id === keyId ? keyring.current : keyring.previous.find((key) => key.id === keyId)

/** A fresh random key in the text form `ENCRYPTION_KEY` takes (standard base64, 44 characters). */
export const generate = (): string => randomBytes(keyBytes).toString("base64")

/** How a key is written: exactly 32 bytes in standard base64 (44 characters, the last one `=`). */
export const rule = `exactly ${keyBytes} bytes written in standard base64 (44 characters ending in "=")`

/**
 * Reads a key from its text form, or says what is wrong in words that never quote the text. Surrounding
 * whitespace (a key file's trailing newline) is ignored.
 */
export const parse = (text: string): Result.Result<Key, string> => {
  const trimmed = text.trim()
  if (trimmed === "") return Result.fail("it is empty")
  if (/[-_]/.test(trimmed) && /^[A-Za-z0-9+/_-]+=*$/.test(trimmed)) {
    return Result.fail("it looks like base64url (with - or _), not standard base64 (with + and /)")
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return Result.fail("it contains characters outside standard base64")
  if (trimmed.length % 4 !== 0) return Result.fail("its length is not a multiple of 4 (is the '=' padding missing?)")
  const raw = Buffer.from(trimmed, "base64")
  if (raw.byteLength !== keyBytes) return Result.fail(`it decodes to ${raw.byteLength} bytes, not ${keyBytes}`)
  if (raw.toString("base64") !== trimmed) return Result.fail("it is not canonical standard base64")
  return Result.succeed(keyFromBytes(raw))
}
