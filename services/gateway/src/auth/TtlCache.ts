/**
 * A small map whose entries expire: the gateway remembers identity's answers (who a token is, whether a session is
 * live, an authorization decision) for a few seconds, so a burst of requests costs one round trip. Changes made
 * through this gateway clear it at once; changes made elsewhere are seen within the TTL.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly until: number }>()
  readonly #ttlMs: number
  readonly #maxEntries: number

  constructor(ttlMs: number, maxEntries = 10_000) {
    this.#ttlMs = ttlMs
    this.#maxEntries = maxEntries
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.until <= Date.now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.value
  }

  set(key: string, value: V): void {
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear()
    this.#entries.set(key, { value, until: Date.now() + this.#ttlMs })
  }

  clear(): void {
    this.#entries.clear()
  }
}
