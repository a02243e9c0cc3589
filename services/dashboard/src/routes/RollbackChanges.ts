import type { DeploymentsApi } from "@starform/domain"

/** What the comparison reads of a deployment. */
export interface Release {
  readonly number: DeploymentsApi.DeploymentView["number"]
  readonly imageRef: DeploymentsApi.DeploymentView["imageRef"]
  readonly imageDigest: DeploymentsApi.DeploymentView["imageDigest"]
  readonly snapshot: { readonly variableKeys: ReadonlyArray<string>; readonly config: unknown }
}

/** What rolling back to `target` changes, against the release serving now, in words. */
export const changesOf = (target: Release, serving: Release | undefined): ReadonlyArray<string> => {
  if (serving === undefined) return [`Serves #${target.number} (${target.imageRef ?? "its image"}).`]
  const changes: Array<string> = []
  if (target.imageRef !== serving.imageRef || target.imageDigest !== serving.imageDigest) {
    changes.push(`Image: ${serving.imageRef ?? "none"} → ${target.imageRef ?? "none"}`)
  } else {
    changes.push(`Image: ${target.imageRef ?? "none"} (unchanged)`)
  }
  const now = new Set(serving.snapshot.variableKeys)
  const then = new Set(target.snapshot.variableKeys)
  const removed = [...now].filter((key) => !then.has(key))
  const restored = [...then].filter((key) => !now.has(key))
  if (removed.length > 0) changes.push(`Variables removed: ${removed.join(", ")}`)
  if (restored.length > 0) changes.push(`Variables brought back: ${restored.join(", ")}`)
  if (then.size > 0) changes.push(`Variable values as they were at #${target.number}`)
  if (removed.length === 0 && restored.length === 0 && then.size === 0) changes.push("Variables: none, as before")
  if (JSON.stringify(target.snapshot.config) !== JSON.stringify(serving.snapshot.config)) {
    changes.push(`Configuration (replicas, resources, health check) as it was at #${target.number}`)
  }
  return changes
}
