import type { Deploys } from "@starform/domain"

const labels: Record<Deploys.DeploymentStatus, string> = {
  queued: "Queued",
  building: "Building",
  deploying: "Deploying",
  active: "Active",
  failed: "Failed",
  cancelled: "Cancelled",
  superseded: "Superseded",
}

export const inProgress = (status: Deploys.DeploymentStatus) =>
  status === "queued" || status === "building" || status === "deploying"

/** A deployment's status as a coloured badge (the word is always there, colour only repeats it). */
export const StatusBadge = ({ status }: { readonly status: Deploys.DeploymentStatus }) => (
  <span className={`badge badge-${status}`} data-status={status}>
    {labels[status]}
  </span>
)
