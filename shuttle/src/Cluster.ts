import type { KubeError } from "@starform/kube"
import type { KubeObject } from "@starform/manifests"
import { Context, type Effect, type Stream } from "effect"

/**
 * What Shuttle asks of the Kubernetes API, and nothing more: server-side apply, delete, get, and list + watch
 * of one kind across namespaces by label. `KubeCluster.ts` implements it over `@starform/kube`; every request
 * is counted (`Metrics`) so a pass that should do nothing can be seen doing nothing. Failures are the Kube
 * client's own tagged errors (`KubeConflict`, `KubeGone`, `KubeUnavailable`, …).
 */

/** A kind as the API names it. */
export interface Kind {
  readonly apiVersion: string
  readonly kind: string
}

export interface ListResult {
  readonly items: ReadonlyArray<KubeObject.KubeObject>
  readonly resourceVersion: string
}

export type WatchEvent =
  | { readonly type: "ADDED" | "MODIFIED" | "DELETED"; readonly object: KubeObject.KubeObject }
  | { readonly type: "BOOKMARK"; readonly resourceVersion: string }

export class Cluster extends Context.Service<
  Cluster,
  {
    /** Server-side apply as `fieldManager`, taking over fields others hold (force); the live object after it. */
    readonly apply: (object: KubeObject.KubeObject) => Effect.Effect<KubeObject.KubeObject, KubeError>
    /** Deletes the object, its dependents in the background; an object already gone is not an error. */
    readonly remove: (ref: KubeObject.ObjectRef) => Effect.Effect<void, KubeError>
    readonly get: (ref: KubeObject.ObjectRef) => Effect.Effect<KubeObject.KubeObject | null, KubeError>
    /** Every object of `kind` in every namespace matching `labelSelector`. */
    readonly list: (kind: Kind, labelSelector: string) => Effect.Effect<ListResult, KubeError>
    /**
     * Changes after `resourceVersion`, bookmarks included. The stream ends when the server closes the watch
     * (the caller watches again from its last version) and fails with `KubeGone` when that version is too old
     * (the caller lists again).
     */
    readonly watch: (kind: Kind, labelSelector: string, resourceVersion: string) => Stream.Stream<WatchEvent, KubeError>
  }
>()("starform/shuttle/Cluster") {}

/** The field manager every Shuttle write is recorded under. */
export const fieldManager = "starform-shuttle"
