/** What a cluster decides rather than a service: where the gateway is, and how long a rollout may take. */
export interface Options {
  /** The Envoy Gateway `Gateway` public routes attach to; its namespace is the one public services accept traffic from. */
  readonly gateway: { readonly namespace: string; readonly name: string }
  /** How long a release may make no progress before its rollout is failed (`ProgressDeadlineExceeded`). */
  readonly progressDeadlineSeconds: number
  /**
   * How long a new pod must stay ready before it counts as available. A release that passes its probes and then
   * crashes must not be taken for a ready one, and traffic must not move to it.
   */
  readonly minReadySeconds: number
}

export const defaults: Options = {
  gateway: { namespace: "envoy-gateway-system", name: "starform" },
  progressDeadlineSeconds: 600,
  minReadySeconds: 10,
}
