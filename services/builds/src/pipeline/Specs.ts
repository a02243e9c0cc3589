import * as Job from "../runner/Job.ts"
import type { JobRef } from "../runner/Runner.ts"
import type { BuildRecord } from "../store/BuildStore.ts"

/** What a build's Jobs are made of, from its row: pure. */

export const imageRefOf = (
  registry: string,
  d: { readonly projectId: string; readonly serviceId: string; readonly id: string },
) => `${registry}/${d.projectId.replace(/_/g, "-")}/${d.serviceId.replace(/_/g, "-")}:${d.id.replace(/_/g, "-")}`

/** `sourceUrl`: the link the Job fetches an uploaded folder from, for a build of an upload. */
export const specOf = (registry: string, row: BuildRecord, sourceUrl: string | null = null): Job.BuildSpec => ({
  buildId: row.id,
  workspaceId: row.workspaceId ?? "",
  projectId: row.projectId,
  environmentId: row.environmentId,
  serviceId: row.serviceId,
  deploymentId: row.deploymentId,
  attempt: row.attempt,
  repoFullName: row.repoFullName ?? "",
  commitSha: row.commitSha ?? "",
  sourceUrl,
  rootDirectory: row.rootDirectory,
  imageRef: imageRefOf(registry, { projectId: row.projectId, serviceId: row.serviceId, id: row.deploymentId }),
  imageSizeLimitBytes: Number(row.imageSizeLimitBytes),
  timeoutSeconds: row.timeoutSeconds,
  buildCommand: row.overrides.buildCommand,
  startCommand: row.overrides.startCommand,
})

export const jobOf = (registry: string, row: BuildRecord, kind: JobRef["kind"] = "build"): JobRef => ({
  kind,
  buildId: row.id,
  attempt: row.attempt,
  namespace:
    kind === "build"
      ? Job.namespace
      : Job.predeployJob({ ...specOf(registry, row), command: "", imageDigest: null }).metadata.namespace,
})
