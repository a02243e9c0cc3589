import type { KubeObject as Objects } from "@starform/manifests"

/** What a caller asks of the `Kube` client and what comes back: objects, queries, options. */

/** The one object type, shared with the renderers (`@starform/manifests`). */
export type KubeObject = Objects.KubeObject
export type ObjectMeta = Objects.ObjectMeta
/** Names one object; `namespace` is "" for cluster-scoped kinds. */
export type ObjectRef = Objects.ObjectRef
/** What a read returns when the caller names no narrower type: any kind, its other fields unknown. */
export type Unstructured = Objects.Unstructured

export interface ListQuery {
  readonly apiVersion: string
  readonly kind: string
  /** Omit to list across all namespaces. */
  readonly namespace?: string | undefined
  /** `app=web,tier in (a,b)`, or a map of labels that must all match. */
  readonly labelSelector?: string | Readonly<Record<string, string>> | undefined
  /** `metadata.name=web` (the API server indexes only a few fields per kind). */
  readonly fieldSelector?: string | undefined
  readonly limit?: number | undefined
  readonly continue?: string | undefined
}

export interface WatchQuery extends ListQuery {
  /** Start after this resourceVersion; omit to get the current objects as ADDED first. */
  readonly resourceVersion?: string | undefined
  /** Ask for BOOKMARK events (they carry a resourceVersion to resume from). */
  readonly allowBookmarks?: boolean | undefined
  /** Initial ADDED events then a BOOKMARK marked `initialEventsEnd` (the streaming-list protocol). */
  readonly sendInitialEvents?: boolean | undefined
  readonly timeoutSeconds?: number | undefined
}

export interface ListResult<A extends KubeObject = Unstructured> {
  readonly items: ReadonlyArray<A>
  readonly resourceVersion: string
  readonly continue?: string | undefined
}

export type WatchEvent<A extends KubeObject = Unstructured> =
  | { readonly type: "ADDED" | "MODIFIED" | "DELETED"; readonly object: A }
  | { readonly type: "BOOKMARK"; readonly resourceVersion: string; readonly initialEventsEnd: boolean }

export interface ApplyOptions {
  /** Who owns the applied fields (`starform-shuttle`). Required by server-side apply. */
  readonly fieldManager: string
  /** Take over fields other managers own instead of failing with Conflict (FieldManagerConflict). */
  readonly force?: boolean | undefined
  /** Validate and compute the result without persisting it. */
  readonly dryRun?: boolean | undefined
}

export interface WriteOptions {
  readonly fieldManager?: string | undefined
  readonly dryRun?: boolean | undefined
}

export interface DeleteOptions {
  /** Background (the default for most kinds), Foreground, or Orphan (leave dependents behind). */
  readonly propagationPolicy?: "Background" | "Foreground" | "Orphan" | undefined
  readonly gracePeriodSeconds?: number | undefined
  /** Delete only if the object still has this uid / resourceVersion (else Conflict). */
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string } | undefined
  readonly dryRun?: boolean | undefined
}

/** What discovery says about a kind. */
export interface ResourceInfo {
  readonly plural: string
  readonly namespaced: boolean
  readonly verbs: ReadonlyArray<string>
}

/** The kubeconfig fields `KubeConfig.loadFromOptions` takes (what `KubeSim`'s `sim.kubeConfig` is). */
export interface KubeConfigOptions {
  readonly clusters: ReadonlyArray<{
    readonly name: string
    readonly server: string
    readonly skipTLSVerify?: boolean
    readonly caData?: string
  }>
  readonly users: ReadonlyArray<{ readonly name: string; readonly token?: string }>
  readonly contexts: ReadonlyArray<{
    readonly name: string
    readonly cluster: string
    readonly user: string
    readonly namespace?: string
  }>
  readonly currentContext: string
}

export interface KubeSettings {
  /** Per request, watches excluded. Default 30 seconds. */
  readonly requestTimeoutMs?: number
}

/** A label selector as the API takes it: `app=web,tier in (a,b)` as it is, a map as `key=value` pairs. */
export const selectorText = (selector: ListQuery["labelSelector"]): string | undefined =>
  selector === undefined
    ? undefined
    : typeof selector === "string"
      ? selector
      : Object.entries(selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(",")

/** How a request's object is named in errors and spans: `Deployment.apps env-a/web`. */
export const describe = (ref: {
  readonly apiVersion: string
  readonly kind: string
  readonly namespace?: string | undefined
  readonly name?: string | undefined
}) =>
  `${ref.kind}${ref.apiVersion.includes("/") ? `.${ref.apiVersion.split("/")[0]}` : ""} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name ?? "(all)"}`
