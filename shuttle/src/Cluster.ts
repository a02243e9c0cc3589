import type { KubeObject } from "@starform/manifests"
import { Context, type Effect, Schema, type Stream } from "effect"

/**
 * What Shuttle asks of the Kubernetes API, and nothing more: server-side apply, delete, get, and list + watch
 * of one kind across namespaces by label. `KubeCluster.ts` implements it over `@starform/kube`; every request
 * is counted (`Metrics`) so a pass that should do nothing can be seen doing nothing.
 */

export class ClusterError extends Schema.TaggedError<ClusterError>()("ClusterError", {
  /** The HTTP status, 0 when there was no answer. */
  status: Schema.Number,
  /** The API's reason, e.g. `Conflict`, `Gone`, `InternalError`. */
  reason: Schema.String,
  message: Schema.String,
}) {
  /** The watch's resourceVersion is too old: list again. */
  get gone(): boolean {
    return this.status === 410
  }
}

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
    readonly apply: (object: KubeObject.KubeObject) => Effect.Effect<KubeObject.KubeObject, ClusterError>
    /** Deletes the object, its dependents in the background; an object already gone is not an error. */
    readonly remove: (ref: KubeObject.ObjectRef) => Effect.Effect<void, ClusterError>
    readonly get: (ref: KubeObject.ObjectRef) => Effect.Effect<KubeObject.KubeObject | null, ClusterError>
    /** Every object of `kind` in every namespace matching `labelSelector`. */
    readonly list: (kind: Kind, labelSelector: string) => Effect.Effect<ListResult, ClusterError>
    /**
     * Changes after `resourceVersion`, bookmarks included. The stream ends when the server closes the watch
     * (the caller watches again from its last version) and fails with a 410 `ClusterError` when that version is
     * too old (the caller lists again).
     */
    readonly watch: (
      kind: Kind,
      labelSelector: string,
      resourceVersion: string,
    ) => Stream.Stream<WatchEvent, ClusterError>
  }
>()("starform/shuttle/Cluster") {}

/** The field manager every Shuttle write is recorded under. */
export const fieldManager = "starform-shuttle"
