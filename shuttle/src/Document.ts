import { DesiredState, Ids } from "@starform/domain"
import { Result, Schema } from "effect"

/**
 * Opening a desired-state document (its canonical bytes, as `GetDesiredStateDocument` sends them): the bytes must
 * hash to the hash they came with, then the content is decoded — only where it changed. Environments and services
 * whose bytes are the same as in the previous version keep the very objects decoded then, so a new version with one
 * changed service costs one service's decoding, and whoever compares by identity sees what did not change.
 */

/** A version as it was sent: kept exactly so, to be checked against its hash again when read back from a cache. */
export const Sent = Schema.Struct({ version: Schema.Number, hash: Schema.String, document: Schema.String })
export type Sent = typeof Sent.Type

/** What the previous opening decoded, by the exact text of each piece. */
export interface Memo {
  readonly environments: ReadonlyMap<string, Held>
  readonly services: ReadonlyMap<string, DesiredState.ServiceState>
}

interface Held {
  readonly environment: DesiredState.EnvironmentState
  /** Each service's text, in order. */
  readonly serviceTexts: ReadonlyArray<string>
}

export const emptyMemo: Memo = { environments: new Map(), services: new Map() }

/**
 * The bytes are intact (they match their hash) but are not a desired state this Shuttle can read: the projects
 * service sent content of a newer or broken shape.
 */
export class DocumentInvalid extends Schema.TaggedError<DocumentInvalid>()("DocumentInvalid", {
  version: Schema.Number,
  detail: Schema.String,
}) {
  override get message() {
    return `desired state version ${this.version} is not a document this Shuttle can read (${this.detail}): check that Shuttle and the projects service run the same release`
  }
}

export type Failure = DesiredState.DocumentCorrupt | DocumentInvalid

export interface Opened {
  readonly state: DesiredState.DesiredState
  readonly memo: Memo
}

const decodeEnvironment = Schema.decodeUnknownResult(DesiredState.EnvironmentState)
const decodeClusterId = Schema.decodeUnknownResult(Ids.ClusterId)

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const listOf = (value: unknown): ReadonlyArray<unknown> | null => (Array.isArray(value) ? value : null)

const parse = (text: string): Result.Result<unknown, string> =>
  Result.try({ try: (): unknown => JSON.parse(text), catch: (error) => String(error) })

export const open = (sent: Sent, previous: Memo): Result.Result<Opened, Failure> => {
  const actual = DesiredState.hashOfBytes(sent.document)
  if (actual !== sent.hash) return Result.fail(new DesiredState.DocumentCorrupt({ expected: sent.hash, actual }))
  const invalid = (detail: string) => Result.fail(new DocumentInvalid({ version: sent.version, detail }))
  const parsed = parse(sent.document)
  if (Result.isFailure(parsed)) return invalid(`not JSON: ${parsed.failure}`)
  const raw = parsed.success
  const rawEnvironments = isRecord(raw) ? listOf(raw.environments) : null
  if (!isRecord(raw) || rawEnvironments === null) return invalid("it has no environments list")
  const clusterId = decodeClusterId(raw.clusterId)
  if (Result.isFailure(clusterId)) return invalid(`clusterId: ${clusterId.failure.message}`)

  const environmentMemo = new Map<string, Held>()
  const serviceMemo = new Map<string, DesiredState.ServiceState>()
  const environments: Array<DesiredState.EnvironmentState> = []
  for (const [position, rawEnvironment] of rawEnvironments.entries()) {
    // Parsing keeps the canonical key order, so the same content gives the same text in every version.
    const text = JSON.stringify(rawEnvironment)
    const held = previous.environments.get(text)
    if (held !== undefined) {
      environmentMemo.set(text, held)
      held.environment.services.forEach((service, index) => {
        serviceMemo.set(held.serviceTexts[index]!, service)
      })
      environments.push(held.environment)
      continue
    }
    const decoded = decodeEnvironment(rawEnvironment)
    if (Result.isFailure(decoded)) return invalid(`environment ${position + 1}: ${decoded.failure.message}`)
    const rawServices = (isRecord(rawEnvironment) ? listOf(rawEnvironment.services) : null) ?? []
    const serviceTexts = rawServices.map((service) => JSON.stringify(service))
    const services = decoded.success.services.map((service, index) => {
      const same = previous.services.get(serviceTexts[index]!) ?? service
      serviceMemo.set(serviceTexts[index]!, same)
      return same
    })
    const environment = { ...decoded.success, services }
    environmentMemo.set(text, { environment, serviceTexts })
    environments.push(environment)
  }
  return Result.succeed({
    state: { clusterId: clusterId.success, version: sent.version, hash: sent.hash, environments },
    memo: { environments: environmentMemo, services: serviceMemo },
  })
}
