/**
 * What the browser build gets for `node:crypto` (Vite alias and tsconfig `paths` both point here): the domain
 * package's id generator and desired-state hash import it. The dashboard makes neither ids nor hashes, but the
 * modules must load; random bytes come from Web Crypto, hashing says plainly that it is not here.
 */
export const randomBytes = (size: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(size))

interface Hash {
  update(data: string): Hash
  digest(encoding: "hex"): string
}

export const createHash = (algorithm: string): Hash => {
  throw new Error(`${algorithm} hashing is not available in the dashboard`)
}
