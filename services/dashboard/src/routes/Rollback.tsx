import type { DeploymentsApi } from "@starform/domain"
import * as React from "react"

/** What rolling back to `target` changes, against the release serving now, in words. */
export const changesOf = (
  target: DeploymentsApi.DeploymentView,
  serving: DeploymentsApi.DeploymentView | undefined,
): ReadonlyArray<string> => {
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

/** The confirmation a rollback asks for: what will change, then one click. */
export const RollbackConfirm = ({
  target,
  serving,
  busy,
  onConfirm,
  onCancel,
}: {
  readonly target: DeploymentsApi.DeploymentView
  readonly serving: DeploymentsApi.DeploymentView | undefined
  readonly busy: boolean
  readonly onConfirm: () => void
  readonly onCancel: () => void
}) => {
  const confirm = React.useRef<HTMLButtonElement>(null)
  React.useEffect(() => confirm.current?.focus(), [])
  const titleId = React.useId()
  return (
    <div
      className="confirm"
      role="alertdialog"
      aria-labelledby={titleId}
      onKeyDown={(event) => event.key === "Escape" && onCancel()}
    >
      <h3 id={titleId}>
        Roll back to #{target.number}
        {serving !== undefined ? ` (now serving #${serving.number})` : ""}?
      </h3>
      <ul>
        {changesOf(target, serving).map((change) => (
          <li key={change}>{change}</li>
        ))}
      </ul>
      <p className="muted">No build: the release's image and configuration are deployed again as a new deployment.</p>
      <button type="button" ref={confirm} onClick={onConfirm} disabled={busy}>
        {busy ? "Rolling back…" : `Roll back to #${target.number}`}
      </button>{" "}
      <button type="button" className="secondary" onClick={onCancel}>
        Keep #{serving?.number ?? "current"}
      </button>
    </div>
  )
}
