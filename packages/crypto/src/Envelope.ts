import { Result } from "effect"

/**
 * The text stored in every `*_ciphertext` column: `enc:v1:<keyId>:<nonce>:<sealed>`.
 * - keyId: the first 16 hex characters of SHA-256 of the raw key, so a value names the key that opens it;
 * - nonce: the 12-byte AES-GCM nonce, base64url without padding (always 16 characters);
 * - sealed: the ciphertext followed by the 16-byte GCM tag, base64url without padding.
 */
export interface Envelope {
  readonly keyId: string
  readonly nonce: Uint8Array
  readonly sealed: Uint8Array
}

export const prefix = "enc:v1:"
export const nonceBytes = 12
export const tagBytes = 16

/** The shape the database's CHECK on every `*_ciphertext` column enforces; kept identical to it. */
export const pattern = /^enc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/

const base64url = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url")

/** Node's decoder skips characters it does not know; only a canonical encoding is accepted here. */
const fromBase64url = (text: string): Uint8Array | undefined => {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined
  const bytes = Buffer.from(text, "base64url")
  return bytes.toString("base64url") === text ? bytes : undefined
}

export const format = (envelope: Envelope): string =>
  `${prefix}${envelope.keyId}:${base64url(envelope.nonce)}:${base64url(envelope.sealed)}`

/**
 * Reads an envelope, or says what is wrong with it. The reason never quotes the text: a malformed value may
 * well be a secret that was stored without encryption.
 */
export const parse = (text: string): Result.Result<Envelope, string> => {
  if (!text.startsWith("enc:")) return Result.fail("it does not start with enc:v1:")
  const parts = text.split(":")
  const version = parts[1] ?? ""
  if (version !== "v1") {
    return Result.fail(
      /^v[0-9]{1,3}$/.test(version)
        ? `envelope version ${version} is not supported (this build reads v1)`
        : "it does not start with enc:v1:",
    )
  }
  if (parts.length !== 5) return Result.fail(`it has ${parts.length} colon-separated parts, expected 5`)
  const [, , keyId = "", nonceText = "", sealedText = ""] = parts
  if (!/^[0-9a-f]{16}$/.test(keyId)) return Result.fail("the key id is not 16 lower-case hex characters")
  const nonce = nonceText.length === 16 ? fromBase64url(nonceText) : undefined
  if (nonce === undefined) return Result.fail("the nonce is not 16 base64url characters (12 bytes)")
  const sealed = sealedText.length > 0 ? fromBase64url(sealedText) : undefined
  if (sealed === undefined) return Result.fail("the sealed part is not base64url without padding")
  if (sealed.byteLength < tagBytes) return Result.fail("the sealed part is shorter than the 16-byte GCM tag")
  return Result.succeed({ keyId, nonce, sealed })
}
