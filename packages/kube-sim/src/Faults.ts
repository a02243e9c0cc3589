/** The verbs a request is classified under, as in RBAC and audit logs (`apply` split out of `patch`). */
export type Verb =
  | "get"
  | "list"
  | "watch"
  | "create"
  | "update"
  | "patch"
  | "apply"
  | "delete"
  | "deletecollection"
  | "discovery"

export interface RequestInfo {
  readonly verb: Verb
  readonly resource?: string | undefined
  readonly namespace?: string | undefined
  readonly name?: string | undefined
  readonly subresource?: string | undefined
}

/** Which requests a fault hits; every member given must match. Empty matches every request. */
export interface FaultMatch {
  readonly verbs?: ReadonlyArray<Verb>
  readonly resources?: ReadonlyArray<string>
  readonly namespace?: string
  readonly name?: string
}

export const isWrite = (verb: Verb): boolean =>
  verb === "create" ||
  verb === "update" ||
  verb === "patch" ||
  verb === "apply" ||
  verb === "delete" ||
  verb === "deletecollection"

const matches = (match: FaultMatch | undefined, info: RequestInfo): boolean => {
  if (match === undefined) return true
  if (match.verbs && !match.verbs.includes(info.verb)) return false
  if (match.resources && (info.resource === undefined || !match.resources.includes(info.resource))) return false
  if (match.namespace !== undefined && info.namespace !== match.namespace) return false
  if (match.name !== undefined && info.name !== match.name) return false
  return true
}

interface Storm {
  readonly status: 409 | 429 | 500 | 503 | 504
  remaining: number
  readonly match: FaultMatch | undefined
}

/**
 * Fault injection for tests: added latency, storms of 409 or 5xx answers, dropped watches and a whole-API outage.
 * Each storm answers its next `count` matching requests with the error, then stops.
 */
export class Faults {
  private latencyMs: readonly [number, number] = [0, 0]
  private latencyMatch: FaultMatch | undefined
  private readonly storms: Storm[] = []
  private down = false
  /** Set by the server: closes every open watch. */
  dropWatchesHook: (abrupt: boolean) => number = () => 0
  /** Set by the server: drops every open connection when an outage starts. */
  outageHook: () => void = () => {}

  /** Every matching request waits `ms` (or a random time in `[min, max]`) before it is served. */
  latency(ms: number | readonly [number, number], match?: FaultMatch): void {
    this.latencyMs = typeof ms === "number" ? [ms, ms] : ms
    this.latencyMatch = match
  }

  /** The next `count` matching writes answer 409 Conflict ("the object has been modified"). */
  conflicts(count: number, match: FaultMatch = { verbs: ["create", "update", "patch", "apply", "delete"] }): void {
    this.storms.push({ status: 409, remaining: count, match })
  }

  /** The next `count` matching requests answer `status` (500 by default; 429, 503 and 504 too). */
  errors(count: number, status: 429 | 500 | 503 | 504 = 500, match?: FaultMatch): void {
    this.storms.push({ status, remaining: count, match })
  }

  /** Closes every open watch, cleanly (the stream ends) or abruptly (the connection is reset). Returns how many. */
  dropWatches(options: { abrupt?: boolean } = {}): number {
    return this.dropWatchesHook(options.abrupt ?? false)
  }

  /** The API stops answering: connections are reset until `restore()`. */
  outage(): void {
    this.down = true
    this.outageHook()
  }

  restore(): void {
    this.down = false
  }

  /** Ends every fault. */
  clear(): void {
    this.latencyMs = [0, 0]
    this.latencyMatch = undefined
    this.storms.length = 0
    this.down = false
  }

  get isDown(): boolean {
    return this.down
  }

  delayFor(info: RequestInfo): number {
    const [min, max] = this.latencyMs
    if (max <= 0 || !matches(this.latencyMatch, info)) return 0
    return min + Math.random() * (max - min)
  }

  /** The status a storm answers this request with, if one is raging for it. */
  stormFor(info: RequestInfo): Storm["status"] | undefined {
    for (const storm of this.storms) {
      if (storm.remaining <= 0 || !matches(storm.match, info)) continue
      if (storm.status === 409 && !isWrite(info.verb)) continue
      storm.remaining--
      return storm.status
    }
    return undefined
  }

  /** How many injected answers remain across storms. */
  get pendingErrors(): number {
    return this.storms.reduce((n, s) => n + Math.max(0, s.remaining), 0)
  }
}
