/** RFC 3339 at second precision, as Kubernetes writes timestamps. */
export const rfc3339 = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z")

export const parseTime = (text: string | undefined | null): number | undefined => {
  if (!text) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}

/**
 * The simulation's time. Controllers, timestamps and probes read it; it moves only when the simulator advances it,
 * so a test can play out ten minutes of rollout in milliseconds.
 */
export class SimClock {
  private current: number
  constructor(start: number = Date.now()) {
    this.current = start
  }
  now(): number {
    return this.current
  }
  iso(): string {
    return rfc3339(this.current)
  }
  advanceTo(ms: number): void {
    if (ms > this.current) this.current = ms
  }
}
