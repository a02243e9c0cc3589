import { createHash, randomBytes, timingSafeEqual } from "node:crypto"

/**
 * Opaque secrets handed to people and machines (API tokens, refresh tokens, email links, recovery codes). They are
 * high-entropy random strings, so a fast SHA-256 is the right hash to store (argon2 is for passwords people pick).
 */

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/** `length` characters of [0-9A-Za-z], each equally likely. */
export const randomBase62 = (length: number): string => {
  let out = ""
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 is the largest multiple of 62 below 256: rejecting above it keeps the characters uniform.
      if (byte < 248 && out.length < length) out += base62[byte % 62]
    }
  }
  return out
}

/** What API tokens start with, so secret scanners and people can recognise them. */
export const apiTokenPrefix = "sf_"

/** A new API token: `sf_` and 40 base-62 characters (about 238 bits). */
export const newApiToken = (): string => `${apiTokenPrefix}${randomBase62(40)}`

/** The start of an API token shown in lists: enough to tell tokens apart, far too little to use. */
export const displayPrefix = (token: string): string => token.slice(0, 10)

/** A new refresh token or emailed link token. */
export const newOpaqueToken = (prefix: string): string => `${prefix}_${randomBase62(43)}`

/** A recovery code as people type it: `xxxxx-xxxxx` of lower-case letters and digits. */
export const newRecoveryCode = (): string => {
  const chars = randomBase62(40)
    .toLowerCase()
    .replace(/[^0-9a-z]/g, "")
  return `${chars.slice(0, 5)}-${chars.slice(5, 10)}`
}

/** Recovery codes are compared without case, spaces or dashes. */
export const normaliseRecoveryCode = (code: string): string => code.toLowerCase().replace(/[\s-]/g, "")

/** The stored form of a secret: hex SHA-256. */
export const hash = (secret: string): string => createHash("sha256").update(secret, "utf8").digest("hex")

/** Constant-time string comparison. */
export const equal = (a: string, b: string): boolean => {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
