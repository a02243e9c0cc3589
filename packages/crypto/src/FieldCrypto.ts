import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { Context, Effect, Layer, Result, Schema } from "effect"
import type { EncryptedColumn } from "./Catalog.ts"
import * as Envelope from "./Envelope.ts"
import * as Keyring from "./Keyring.ts"

/** The value names a key this process was not given. */
export class UnknownEncryptionKey extends Schema.TaggedError<UnknownEncryptionKey>()("UnknownEncryptionKey", {
  column: Schema.String,
  keyId: Schema.String,
}) {
  override get message() {
    return `cannot decrypt ${this.column}: encrypted with key ${this.keyId}, which is not configured: set ENCRYPTION_KEY or ENCRYPTION_PREVIOUS_KEYS`
  }
}

/** GCM refused the value: a byte of it changed, it was sealed for another column, or the key bytes are wrong. */
export class DecryptionFailed extends Schema.TaggedError<DecryptionFailed>()("DecryptionFailed", {
  column: Schema.String,
  keyId: Schema.String,
}) {
  override get message() {
    return `cannot decrypt ${this.column}: failed authentication: the value was altered or belongs to another column`
  }
}

/** The text is not an `enc:v1:` envelope at all. */
export class MalformedEnvelope extends Schema.TaggedError<MalformedEnvelope>()("MalformedEnvelope", {
  column: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `cannot decrypt ${this.column}: not an encrypted value of the form enc:v1:<key id>:<nonce>:<sealed>: ${this.reason}`
  }
}

export type DecryptError = UnknownEncryptionKey | DecryptionFailed | MalformedEnvelope

const algorithm = "aes-256-gcm"
const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * Seals `plaintext` under the keyring's current key with a fresh random nonce. The column's `table.column` is
 * the additional authenticated data, so the value opens only where it was written.
 */
export const seal = (keyring: Keyring.Keyring, plaintext: string, column: EncryptedColumn): string => {
  const nonce = randomBytes(Envelope.nonceBytes)
  const cipher = createCipheriv(algorithm, keyring.current.secret, nonce, { authTagLength: Envelope.tagBytes })
  cipher.setAAD(Buffer.from(column.name, "utf8"))
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()])
  return Envelope.format({ keyId: keyring.current.id, nonce, sealed: Buffer.concat([ciphertext, cipher.getAuthTag()]) })
}

/** Opens an envelope written by `seal` for the same column, with whichever keyring key it names. */
export const open = (
  keyring: Keyring.Keyring,
  text: string,
  column: EncryptedColumn,
): Result.Result<{ readonly plaintext: string; readonly keyId: string }, DecryptError> => {
  const parsed = Envelope.parse(text)
  if (Result.isFailure(parsed))
    return Result.fail(new MalformedEnvelope({ column: column.name, reason: parsed.failure }))
  const { keyId, nonce, sealed } = parsed.success
  const key = Keyring.find(keyring, keyId)
  if (key === undefined) return Result.fail(new UnknownEncryptionKey({ column: column.name, keyId }))
  const tagStart = sealed.byteLength - Envelope.tagBytes
  try {
    const decipher = createDecipheriv(algorithm, key.secret, nonce, { authTagLength: Envelope.tagBytes })
    decipher.setAAD(Buffer.from(column.name, "utf8"))
    decipher.setAuthTag(sealed.subarray(tagStart))
    const plaintext = Buffer.concat([decipher.update(sealed.subarray(0, tagStart)), decipher.final()])
    return Result.succeed({ plaintext: utf8.decode(plaintext), keyId })
  } catch {
    // Node's own error says only "Unsupported state or unable to authenticate data"; ours says what it means.
    return Result.fail(new DecryptionFailed({ column: column.name, keyId }))
  }
}

/**
 * Field encryption for the catalogued `*_ciphertext` columns (AES-256-GCM; see the package README).
 * Values are bound to their column, not to their row: see the README for why.
 */
export class FieldCrypto extends Context.Service<
  FieldCrypto,
  {
    /** The id of the key new values are sealed with. */
    readonly keyId: string
    readonly encrypt: (plaintext: string, column: EncryptedColumn) => Effect.Effect<string>
    readonly decrypt: (envelope: string, column: EncryptedColumn) => Effect.Effect<string, DecryptError>
    /** The value sealed under the current key; returned unchanged (after checking it opens) if it already is. */
    readonly reencrypt: (envelope: string, column: EncryptedColumn) => Effect.Effect<string, DecryptError>
  }
>()("starform/FieldCrypto") {
  static readonly make = (keyring: Keyring.Keyring) =>
    FieldCrypto.of({
      keyId: keyring.current.id,
      encrypt: Effect.fn("FieldCrypto.encrypt")(function* (plaintext: string, column: EncryptedColumn) {
        yield* Effect.annotateCurrentSpan("starform.column", column.name)
        return seal(keyring, plaintext, column)
      }),
      decrypt: Effect.fn("FieldCrypto.decrypt")(function* (envelope: string, column: EncryptedColumn) {
        yield* Effect.annotateCurrentSpan("starform.column", column.name)
        const opened = yield* Effect.fromResult(open(keyring, envelope, column))
        return opened.plaintext
      }),
      reencrypt: Effect.fn("FieldCrypto.reencrypt")(function* (envelope: string, column: EncryptedColumn) {
        yield* Effect.annotateCurrentSpan("starform.column", column.name)
        const opened = yield* Effect.fromResult(open(keyring, envelope, column))
        return opened.keyId === keyring.current.id ? envelope : seal(keyring, opened.plaintext, column)
      }),
    })

  static readonly layerFromKeyring = (keyring: Keyring.Keyring) => Layer.succeed(FieldCrypto, FieldCrypto.make(keyring))

  /** Raw 32-byte keys, for tests; start-up goes through `loadKeyring`. */
  static readonly layerFromKeys = (current: Uint8Array, previous: ReadonlyArray<Uint8Array> = []) =>
    Layer.sync(FieldCrypto, () => FieldCrypto.make(Keyring.fromBytes(current, previous)))
}
