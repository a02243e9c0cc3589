import type { DeploymentsApi } from "@starform/domain"
import * as React from "react"
import { changesOf } from "./RollbackChanges.ts"

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
