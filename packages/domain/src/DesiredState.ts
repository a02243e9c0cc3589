import { createHash } from "node:crypto"
import { Schema } from "effect"
import { CommitSha, ImageDigest } from "./Deploys.ts"
import { ClusterId, DeploymentId, EnvironmentId, ProjectId, ServiceId, WorkspaceId } from "./Ids.ts"
import { EnvironmentName, Hostname, ServiceName } from "./Names.ts"
import { CronSchedule, ImageRef, ServiceType } from "./Projects.ts"
import * as Rules from "./Rules.ts"
import {
  Command,
  HttpPath,
  ProbePort,
  Resources,
  RestartPolicy,
  Rollout,
  Scaling,
  VolumeMount,
} from "./ServiceConfig.ts"

/**
 * The desired state of one cluster: everything Shuttle needs to run every environment placed there, and nothing
 * of any other cluster. The projects service builds it; Shuttle renders Kubernetes objects from it.
 *
 * - `version` only grows: a new one is published whenever the content changes (the `hash` changes).
 * - `hash` is `sha256:` + the hex SHA-256 of `serialize(content)`, where the content is the document without
 *   `version` and `hash`. The builder sorts environments and services by id and variables, domains and volumes by
 *   name, so the same input always gives the same bytes and hash.
 * - Variable values are plaintext here and nowhere else: the document is served only to its own cluster's Shuttle,
 *   which puts them in a Secret; it is never stored or logged.
 *
 * Every value is explicit and already defaulted (no "null means the type's default" left for Shuttle to work out):
 * a probe names its port, a web service without a configured readiness probe gets a TCP one on its port, the
 * restart policy is the effective one.
 */

/** A probe as Kubernetes runs it, with its port resolved. */
const probeTiming = {
  initialDelaySeconds: Rules.int(0, 3600),
  periodSeconds: Rules.int(1, 3600),
  timeoutSeconds: Rules.int(1, 3600),
  successThreshold: Rules.int(1, 100),
  failureThreshold: Rules.int(1, 100),
}

/** `httpGet` on `path` at `port`. */
export const HttpProbeState = Schema.Struct({
  type: Schema.tag("http"),
  path: HttpPath,
  port: ProbePort,
  ...probeTiming,
})
/** `tcpSocket` at `port`. */
export const TcpProbeState = Schema.Struct({ type: Schema.tag("tcp"), port: ProbePort, ...probeTiming })
/** `grpc` at `port`, for `service` (null: the server as a whole). */
export const GrpcProbeState = Schema.Struct({
  type: Schema.tag("grpc"),
  port: ProbePort,
  service: Schema.NullOr(Schema.String),
  ...probeTiming,
})
export const ProbeState = Schema.Union([HttpProbeState, TcpProbeState, GrpcProbeState])
export type ProbeState = typeof ProbeState.Type

export const ProbesState = Schema.Struct({
  startup: Schema.NullOr(ProbeState),
  liveness: Schema.NullOr(ProbeState),
  readiness: Schema.NullOr(ProbeState),
})
export type ProbesState = typeof ProbesState.Type

/** A release of a service: one deployment's image. */
export const Release = Schema.Struct({
  deploymentId: DeploymentId,
  /** "deploy #12". */
  number: Rules.int(1),
  /** The reference as the user or the build gave it, e.g. `ghcr.io/acme/api:1.2.3`. */
  imageRef: ImageRef,
  /** The content digest when known; pulls pin to it. */
  imageDigest: Schema.NullOr(ImageDigest),
  /** What to pull: `imageRef` pinned by `@imageDigest` when the digest is known (tag dropped), else `imageRef`. */
  image: Rules.text(600, 1),
  commitSha: Schema.NullOr(CommitSha),
})
export type Release = typeof Release.Type

/** One service as it should run, keyed by the tenant key `projectId + environment + serviceId`. */
export const ServiceState = Schema.Struct({
  workspaceId: WorkspaceId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  /** The environment's name: the `starform.io/environment` label. */
  environment: EnvironmentName,
  serviceId: ServiceId,
  /** The service's name: its in-cluster DNS name `<name>.<namespace>.svc.cluster.local`. */
  name: ServiceName,
  /** The namespace of the service's environment. */
  namespace: Rules.text(63, 1),
  type: ServiceType,
  /**
   * The release to run: the one being rolled out when a deploy is in progress, else the active one. Traffic
   * moves to it only once it is ready.
   */
  release: Release,
  /**
   * The release serving now while `release` rolls out (null when `release` is the one serving). Shuttle keeps it
   * running and routed until `release` is ready, then drains it for `drainingSeconds`.
   */
  previousRelease: Schema.NullOr(Release),
  /** Resolved variables (references substituted, group precedence applied), sorted by key. */
  variables: Schema.Record(Schema.String, Schema.String),
  /** Run as `/bin/sh -c <command>`; null: the image's own command. */
  startCommand: Schema.NullOr(Command),
  /** Run once per release as a Job before traffic moves; null: none. */
  preDeployCommand: Schema.NullOr(Command),
  /** Web: the port it listens on (also the `PORT` variable). Worker and cron: null. */
  port: Schema.NullOr(ProbePort),
  probes: ProbesState,
  /** Cron jobs are always `{ mode: "fixed", replicas: 1 }`. */
  scaling: Scaling,
  resources: Resources,
  /** Public web services get an HTTPRoute; private ones are reachable only inside their environment. */
  isPublic: Schema.Boolean,
  /** Hostnames routed to this service (public web services only), sorted. */
  domains: Schema.Array(Hostname),
  /** Sorted by name. */
  volumes: Schema.Array(VolumeMount),
  /** Cron only. */
  cronSchedule: Schema.NullOr(CronSchedule),
  drainingSeconds: Rules.int(0, 3600),
  /** The effective policy: `always` for web and worker, `on_failure` or `never` for cron. */
  restartPolicy: RestartPolicy,
  /** Cron: how many times a failed run is retried (the Job's backoffLimit). */
  maxRetries: Rules.int(0, 10),
  rollout: Rollout,
})
export type ServiceState = typeof ServiceState.Type

/** One project environment placed on the cluster: one namespace. */
export const EnvironmentState = Schema.Struct({
  workspaceId: WorkspaceId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  environment: EnvironmentName,
  /** `env-` + the environment id's 24 characters: stable across renames, unique across the cluster. */
  namespace: Rules.text(63, 1),
  isEphemeral: Schema.Boolean,
  /** Sorted by service id. Services with no release yet are absent. */
  services: Schema.Array(ServiceState),
})
export type EnvironmentState = typeof EnvironmentState.Type

/** What the hash covers. */
export const Content = Schema.Struct({
  clusterId: ClusterId,
  /** Sorted by environment id. */
  environments: Schema.Array(EnvironmentState),
})
export type Content = typeof Content.Type

/** The versioned document served to a cluster's Shuttle. */
export const DesiredState = Schema.Struct({
  clusterId: ClusterId,
  /** 1, 2, 3…: grows whenever the content changes. */
  version: Rules.int(1),
  /** `sha256:<hex>` of `serialize(content)`. */
  hash: Schema.String,
  environments: Schema.Array(EnvironmentState),
})
export type DesiredState = typeof DesiredState.Type

/** The namespace of an environment: `env-` + its id's 24 characters (an RFC 1123 label of 28). */
export const namespaceOf = (environmentId: EnvironmentId): string => `env-${environmentId.slice(4)}`

/** The image to pull: pinned by digest when it is known. */
export const imageOf = (imageRef: string, imageDigest: string | null): string => {
  if (imageDigest === null) return imageRef
  const withoutDigest = imageRef.split("@")[0]!
  // the tag is after the last ':' that follows the last '/' (a registry host may carry a port)
  const lastSlash = withoutDigest.lastIndexOf("/")
  const lastColon = withoutDigest.lastIndexOf(":")
  const repository = lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest
  return `${repository}@${imageDigest}`
}

/**
 * Canonical JSON: object keys sorted, no whitespace. The builder already orders every array; this makes the
 * bytes independent of how objects were assembled.
 */
export const serialize = (value: unknown): string => {
  if (value === null || typeof value !== "object") return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(serialize).join(",")}]`
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${serialize(record[key])}`).join(",")}}`
}

/** `sha256:<hex>` of canonical bytes. */
export const hashOfBytes = (bytes: string): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`

/** `sha256:<hex>` of the serialized content. */
export const hashOf = (content: Content): string => hashOfBytes(serialize(content))

/** The document's bytes do not hash to the hash they came with: a truncated or altered transfer. */
export class DocumentCorrupt extends Schema.TaggedError<DocumentCorrupt>()("DocumentCorrupt", {
  expected: Schema.String,
  actual: Schema.String,
}) {
  override get message() {
    return `desired state document hashes to ${this.actual}, not the ${this.expected} it was sent with`
  }
}
