import { DesiredState, type Ids, type ServiceConfig } from "@starform/domain"
import type { Snapshot } from "./Snapshot.ts"

/**
 * Builds a cluster's desired state from what the database says runs where. Pure: the same input gives the same
 * document, bytes and hash. Environments placed on other clusters are skipped whatever the input holds, so a
 * document never carries another cluster's services or secrets.
 *
 * Serialising a large cluster is most of the cost, and a change touches one service at a time: each service's
 * canonical JSON is kept between builds, keyed by everything it is made of (its release is immutable), and the
 * document is assembled from those pieces.
 */

export interface ReleaseInput {
  readonly deploymentId: Ids.DeploymentId
  readonly number: number
  readonly imageRef: string
  readonly imageDigest: string | null
  readonly commitSha: string | null
}

export interface ServiceInput {
  readonly serviceId: Ids.ServiceId
  /** The release to run (being rolled out, or else serving) and its snapshot. */
  readonly release: ReleaseInput
  readonly snapshot: Snapshot
  /** The snapshot's variables, opened. */
  readonly variables: Readonly<Record<string, string>>
  /** The release serving while `release` rolls out. */
  readonly previous: ReleaseInput | null
  readonly domains: ReadonlyArray<string>
}

export interface EnvironmentInput {
  readonly workspaceId: Ids.WorkspaceId
  readonly projectId: Ids.ProjectId
  readonly environmentId: Ids.EnvironmentId
  readonly name: string
  readonly isEphemeral: boolean
  readonly clusterId: Ids.ClusterId | null
  readonly services: ReadonlyArray<ServiceInput>
}

export interface Built {
  readonly content: DesiredState.Content
  /** `DesiredState.serialize(content)`. */
  readonly bytes: string
  readonly hash: string
}

const byString =
  <A>(key: (a: A) => string) =>
  (a: A, b: A) => {
    const x = key(a)
    const y = key(b)
    return x < y ? -1 : x > y ? 1 : 0
  }

const release = (input: ReleaseInput): DesiredState.Release => ({
  deploymentId: input.deploymentId,
  number: input.number,
  imageRef: input.imageRef,
  imageDigest: input.imageDigest as DesiredState.Release["imageDigest"],
  image: DesiredState.imageOf(input.imageRef, input.imageDigest),
  commitSha: input.commitSha as DesiredState.Release["commitSha"],
})

const probe = (configured: ServiceConfig.Probe | null, servicePort: number | null): DesiredState.ProbeState | null => {
  if (configured === null) return null
  const port = configured.port ?? servicePort
  if (port === null) return null
  const timing = {
    initialDelaySeconds: configured.initialDelaySeconds,
    periodSeconds: configured.periodSeconds,
    timeoutSeconds: configured.timeoutSeconds,
    successThreshold: configured.successThreshold,
    failureThreshold: configured.failureThreshold,
  }
  switch (configured.type) {
    case "http":
      return { type: "http", path: configured.path, port, ...timing }
    case "tcp":
      return { type: "tcp", port, ...timing }
    case "grpc":
      return { type: "grpc", port, service: configured.service, ...timing }
  }
}

/** A web service is never routed to before it accepts connections: without a readiness probe it gets this one. */
const defaultReadiness = (port: number): DesiredState.ProbeState => ({
  type: "tcp",
  port,
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 5,
  successThreshold: 1,
  failureThreshold: 3,
})

const sortedRecord = (record: Readonly<Record<string, string>>): Record<string, string> => {
  const sorted: Record<string, string> = {}
  for (const key of Object.keys(record).sort()) sorted[key] = record[key]!
  return sorted
}

/** One service as Shuttle should run it. */
export const serviceState = (environment: EnvironmentInput, input: ServiceInput): DesiredState.ServiceState => {
  const { service, config } = input.snapshot
  const web = service.type === "web"
  const cron = service.type === "cron"
  const port = web ? service.port : null
  const variables: Record<string, string> = { ...input.variables }
  // what Railway and Render do: a web service learns its port from the environment unless told otherwise
  if (port !== null && variables.PORT === undefined) variables.PORT = String(port)
  const readiness = probe(config.probes.readiness, port) ?? (port !== null ? defaultReadiness(port) : null)
  return {
    workspaceId: environment.workspaceId,
    projectId: environment.projectId,
    environmentId: environment.environmentId,
    environment: environment.name as DesiredState.ServiceState["environment"],
    serviceId: input.serviceId,
    name: service.name,
    namespace: DesiredState.namespaceOf(environment.environmentId),
    type: service.type,
    release: release(input.release),
    previousRelease: input.previous === null ? null : release(input.previous),
    variables: sortedRecord(variables) as DesiredState.ServiceState["variables"],
    startCommand: config.startCommand,
    preDeployCommand: config.preDeployCommand,
    port,
    probes: cron
      ? { startup: null, liveness: null, readiness: null }
      : {
          startup: probe(config.probes.startup, port),
          liveness: probe(config.probes.liveness, port),
          readiness,
        },
    scaling: cron ? { mode: "fixed", replicas: 1 } : config.scaling,
    resources: config.resources,
    isPublic: web && service.isPublic,
    domains:
      web && service.isPublic
        ? ([...input.domains].sort() as ReadonlyArray<string> as DesiredState.ServiceState["domains"])
        : [],
    volumes: cron ? [] : [...config.volumes].sort(byString((volume) => volume.name)),
    cronSchedule: cron ? service.cronSchedule : null,
    drainingSeconds: config.drainingSeconds,
    restartPolicy: config.restartPolicy ?? (cron ? "on_failure" : "always"),
    maxRetries: config.maxRetries,
    rollout: config.rollout,
  }
}

/** What a service's piece is made of besides its environment; its release and snapshot never change. */
const serviceKey = (input: ServiceInput) =>
  [
    input.serviceId,
    input.release.deploymentId,
    input.release.imageDigest ?? "",
    input.previous?.deploymentId ?? "",
    input.previous?.imageDigest ?? "",
    [...input.domains].sort().join(" "),
  ].join("|")

const environmentKey = (environment: EnvironmentInput) =>
  JSON.stringify([
    environment.workspaceId,
    environment.projectId,
    environment.environmentId,
    environment.name,
    environment.isEphemeral,
  ])

interface Fragment {
  readonly state: DesiredState.ServiceState
  readonly json: string
}

interface Piece {
  readonly state: DesiredState.EnvironmentState
  readonly json: string
}

/**
 * A builder that remembers each service's serialised piece, and each environment's, from its previous build: a
 * change to one service re-serialises that service and re-assembles its environment, nothing else.
 */
export const make = () => {
  let services = new Map<string, Fragment>()
  let environments = new Map<string, Piece>()

  const build = (clusterId: Ids.ClusterId, inputs: ReadonlyArray<EnvironmentInput>): Built => {
    const nextServices = new Map<string, Fragment>()
    const nextEnvironments = new Map<string, Piece>()
    const placed = inputs
      .filter((environment) => environment.clusterId === clusterId)
      .sort(byString((environment) => environment.environmentId))
    const states: Array<DesiredState.EnvironmentState> = []
    const pieces: Array<string> = []
    for (const environment of placed) {
      const prefix = environmentKey(environment)
      const sorted = [...environment.services].sort(byString((service) => service.serviceId))
      const keys = sorted.map((input) => `${prefix}\n${serviceKey(input)}`)
      const wholeKey = `${prefix}\n${keys.join("\n")}`
      let piece = environments.get(wholeKey) ?? nextEnvironments.get(wholeKey)
      if (piece === undefined) {
        const states: Array<DesiredState.ServiceState> = []
        const jsons: Array<string> = []
        sorted.forEach((input, index) => {
          const key = keys[index]!
          let fragment = services.get(key) ?? nextServices.get(key)
          if (fragment === undefined) {
            const state = serviceState(environment, input)
            fragment = { state, json: DesiredState.serialize(state) }
          }
          nextServices.set(key, fragment)
          states.push(fragment.state)
          jsons.push(fragment.json)
        })
        const state: DesiredState.EnvironmentState = {
          workspaceId: environment.workspaceId,
          projectId: environment.projectId,
          environmentId: environment.environmentId,
          environment: environment.name as DesiredState.EnvironmentState["environment"],
          namespace: DesiredState.namespaceOf(environment.environmentId),
          isEphemeral: environment.isEphemeral,
          services: states,
        }
        // keys are serialised in sorted order, so the empty list stands exactly where the services go
        const json = DesiredState.serialize({ ...state, services: [] }).replace(
          '"services":[]',
          `"services":[${jsons.join(",")}]`,
        )
        piece = { state, json }
      } else {
        // the pieces of an unchanged environment stay remembered for when one of its services changes
        for (const key of keys) {
          const fragment = services.get(key)
          if (fragment !== undefined) nextServices.set(key, fragment)
        }
      }
      nextEnvironments.set(wholeKey, piece)
      states.push(piece.state)
      pieces.push(piece.json)
    }
    services = nextServices
    environments = nextEnvironments
    const content: DesiredState.Content = { clusterId, environments: states }
    const bytes = `{"clusterId":${JSON.stringify(clusterId)},"environments":[${pieces.join(",")}]}`
    return { content, bytes, hash: DesiredState.hashOfBytes(bytes) }
  }

  return { build }
}

/** One build with no memory: what the property tests compare the remembering builder against. */
export const buildOnce = (clusterId: Ids.ClusterId, environments: ReadonlyArray<EnvironmentInput>): Built =>
  make().build(clusterId, environments)
