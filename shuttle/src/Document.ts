import { DesiredState, Ids } from "@starform/domain"
import { Schema } from "effect"

/**
 * Opening a desired-state document (its canonical bytes, as `GetDesiredStateDocument` sends them): the bytes must
 * hash to the hash they came with, then the content is decoded — only where it changed. Environments and services
 * whose bytes are the same as in the previous version keep the very objects decoded then, so a new version with one
 * changed service costs one service's decoding, and whoever compares by identity sees what did not change.
 */

export interface Sent {
  readonly version: number
  readonly hash: string
  readonly document: string
}

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

const decodeEnvironment = Schema.decodeUnknownSync(DesiredState.EnvironmentState)
const decodeClusterId = Schema.decodeUnknownSync(Ids.ClusterId)

export const open = (
  sent: Sent,
  previous: Memo,
): { readonly state: DesiredState.DesiredState; readonly memo: Memo } => {
  const actual = DesiredState.hashOfBytes(sent.document)
  if (actual !== sent.hash) throw new DesiredState.DocumentCorrupt({ expected: sent.hash, actual })
  const raw = JSON.parse(sent.document) as { clusterId?: unknown; environments?: ReadonlyArray<unknown> }
  if (!Array.isArray(raw.environments)) throw new Error("desired state document has no environments list")
  const environmentMemo = new Map<string, Held>()
  const serviceMemo = new Map<string, DesiredState.ServiceState>()
  const environments = raw.environments.map((rawEnvironment) => {
    // Parsing keeps the canonical key order, so the same content gives the same text in every version.
    const text = JSON.stringify(rawEnvironment)
    const held = previous.environments.get(text)
    if (held !== undefined) {
      environmentMemo.set(text, held)
      held.environment.services.forEach((service, index) => {
        serviceMemo.set(held.serviceTexts[index]!, service)
      })
      return held.environment
    }
    const decoded = decodeEnvironment(rawEnvironment)
    const rawServices = (rawEnvironment as { services: ReadonlyArray<unknown> }).services
    const serviceTexts = rawServices.map((service) => JSON.stringify(service))
    const services = decoded.services.map((service, index) => {
      const same = previous.services.get(serviceTexts[index]!) ?? service
      serviceMemo.set(serviceTexts[index]!, same)
      return same
    })
    const environment = { ...decoded, services }
    environmentMemo.set(text, { environment, serviceTexts })
    return environment
  })
  return {
    state: { clusterId: decodeClusterId(raw.clusterId), version: sent.version, hash: sent.hash, environments },
    memo: { environments: environmentMemo, services: serviceMemo },
  }
}
