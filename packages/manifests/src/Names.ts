import { createHash } from "node:crypto"
import type { DesiredState } from "@starform/domain"

/**
 * Object names. A service's stable Service is named exactly after it (its DNS name inside the environment); every
 * other name adds a suffix that no service name can produce for the same kind, so two services never collide.
 */

/** `name` cut to `max` characters when longer, keeping it unique with a hash of the whole. */
export const fitLength = (name: string, max: number): string => {
  if (name.length <= max) return name
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8)
  return `${name.slice(0, max - 9).replace(/-+$/, "")}-${hash}`
}

/** `api-r12`: the Deployment of release #12. The trailing `-r<digits>` parses back to exactly one service. */
export const deployment = (service: { readonly name: string }, release: DesiredState.Release): string =>
  `${service.name}-r${release.number}`

/** The stable Service, HPA and HTTPRoute: the service's own name. */
export const service = (service: { readonly name: string }): string => service.name

/** A CronJob's name may be at most 52 characters (its Jobs add 11). */
export const cronJob = (service: { readonly name: string }): string => fitLength(service.name, 52)

/** The Secret holding the service's variables. */
export const variables = (service: { readonly name: string }): string => `${service.name}-env`

/** Volumes are named in their environment, so the PVC takes the volume's name. */
export const volume = (mount: { readonly name: string }): string => mount.name

/** The NetworkPolicy letting the gateway reach a public service. */
export const gatewayPolicy = (service: { readonly name: string }): string => `${service.name}-public`

/** The NetworkPolicy isolating an environment. */
export const isolationPolicy = "starform-isolation"

/** The ConfigMap listing what Shuttle wrote in a namespace (its inventory, for pruning). */
export const inventory = "starform-inventory"
