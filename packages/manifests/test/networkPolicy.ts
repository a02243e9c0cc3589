import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy"

/**
 * Kubernetes' NetworkPolicy semantics for ingress, small enough to read: a pod selected by no policy accepts
 * everything; a pod selected by any policy accepts only what one of those policies' rules admits. A peer with only a
 * podSelector means pods of the policy's own namespace.
 */

type Labels = Readonly<Record<string, string>>

interface Selector {
  readonly matchLabels?: Readonly<Record<string, string>>
  readonly matchExpressions?: ReadonlyArray<{
    readonly key: string
    readonly operator: string
    readonly values?: ReadonlyArray<string>
  }>
}

export const selects = (selector: Selector | undefined, labels: Labels): boolean => {
  if (selector === undefined) return false
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value)
  const byExpression = (selector.matchExpressions ?? []).every((expression) => {
    const value = labels[expression.key]
    switch (expression.operator) {
      case "In":
        return value !== undefined && (expression.values ?? []).includes(value)
      case "NotIn":
        return value === undefined || !(expression.values ?? []).includes(value)
      case "Exists":
        return value !== undefined
      case "DoesNotExist":
        return value === undefined
      default:
        return false
    }
  })
  return byLabel && byExpression
}

export interface Pod {
  readonly namespace: string
  readonly namespaceLabels: Labels
  readonly labels: Labels
}

export const admits = (policies: ReadonlyArray<INetworkPolicy>, from: Pod, to: Pod, port: number): boolean => {
  const selecting = policies.filter(
    (policy) =>
      policy.metadata?.namespace === to.namespace &&
      (policy.spec?.policyTypes ?? ["Ingress"]).includes("Ingress") &&
      selects(policy.spec?.podSelector, to.labels),
  )
  if (selecting.length === 0) return true
  return selecting.some((policy) =>
    (policy.spec?.ingress ?? []).some((rule) => {
      const portOk = rule.ports === undefined || rule.ports.some((p) => p.port === undefined || p.port === port)
      const peerOk =
        rule.from === undefined ||
        rule.from.some((peer) => {
          if (peer.namespaceSelector !== undefined) {
            return (
              selects(peer.namespaceSelector, from.namespaceLabels) &&
              (peer.podSelector === undefined || selects(peer.podSelector, from.labels))
            )
          }
          return (
            peer.podSelector !== undefined && from.namespace === to.namespace && selects(peer.podSelector, from.labels)
          )
        })
      return portOk && peerOk
    }),
  )
}
