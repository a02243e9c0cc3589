import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { Context } from "effect"

/**
 * Short-lived links to an uploaded archive, for the build Job that fetches it instead of cloning: the upload's id and
 * an expiry, signed (HMAC-SHA256) so the archive route serves only what the builds service itself handed out.
 */

/** The signing key: `STARFORM_SOURCES_SIGNING_KEY` (shared by every replica), else one made for this process. */
export const SigningKey = Context.Reference<Buffer>("starform/builds/SourcesSigningKey", {
  defaultValue: () =>
    process.env.STARFORM_SOURCES_SIGNING_KEY === undefined
      ? randomBytes(32)
      : Buffer.from(process.env.STARFORM_SOURCES_SIGNING_KEY, "utf8"),
})

/** How long a build's link stays good: longer than any build's timeout. */
export const linkLifetimeMs = 2 * 60 * 60 * 1000

const signatureOf = (key: Buffer, id: string, expires: number) =>
  createHmac("sha256", key).update(`${id}.${expires}`).digest("hex")

/** The path of the archive's link, good until `expires` (epoch ms). */
export const sign = (key: Buffer, id: string, expires: number) =>
  `/sources/${encodeURIComponent(id)}/archive?expires=${expires}&signature=${signatureOf(key, id, expires)}`

/** Whether a link's parts are ones this key signed and it has not expired at `now`. */
export const verify = (key: Buffer, id: string, expires: number, signature: string, now: number): boolean => {
  if (!Number.isFinite(expires) || expires < now) return false
  const expected = Buffer.from(signatureOf(key, id, expires), "utf8")
  const given = Buffer.from(signature, "utf8")
  return expected.length === given.length && timingSafeEqual(expected, given)
}
