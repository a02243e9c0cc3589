import { createHash } from "node:crypto"
import { DesiredState } from "@starform/domain"
import type { IContainer } from "kubernetes-models/v1/Container"
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec"
import type { IProbe } from "kubernetes-models/v1/Probe"
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements"
import * as Labels from "./Labels.ts"
import * as Names from "./Names.ts"

/** The pod a release runs, shared by Deployments (web, worker) and CronJobs (cron). */

/** Changes whenever the variables do, so the pods restart to read the new Secret. */
export const variablesChecksumAnnotation = "starform.io/variables-checksum"

/** A digest of the variables: the values themselves never leave the Secret. */
export const variablesChecksum = (variables: Readonly<Record<string, string>>): string =>
  createHash("sha256").update(DesiredState.serialize(variables)).digest("hex").slice(0, 16)

/** CPU as the API server writes it back: whole cores as `2`, the rest in millicores (`500m`). */
export const cpu = (millicores: number): string => (millicores % 1000 === 0 ? `${millicores / 1000}` : `${millicores}m`)

/** Memory as the API server writes it back: the largest binary unit that divides it (`512Mi`, `2Gi`). */
export const memory = (mib: number): string => (mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`)

/** Storage in GiB, the same way (`10Gi`, `2Ti`). */
export const storage = (gib: number): string => (gib % 1024 === 0 ? `${gib / 1024}Ti` : `${gib}Gi`)

export const resources = (resources: DesiredState.ServiceState["resources"]): IResourceRequirements => ({
  requests: { cpu: cpu(resources.requests.cpuMillicores), memory: memory(resources.requests.memoryMib) },
  limits: { cpu: cpu(resources.limits.cpuMillicores), memory: memory(resources.limits.memoryMib) },
})

export const probe = (probe: DesiredState.ProbeState): IProbe => {
  const timing = {
    initialDelaySeconds: probe.initialDelaySeconds,
    periodSeconds: probe.periodSeconds,
    timeoutSeconds: probe.timeoutSeconds,
    successThreshold: probe.successThreshold,
    failureThreshold: probe.failureThreshold,
  }
  switch (probe.type) {
    case "http":
      return { httpGet: { path: probe.path, port: probe.port, scheme: "HTTP" }, ...timing }
    case "tcp":
      return { tcpSocket: { port: probe.port }, ...timing }
    case "grpc":
      return {
        grpc: probe.service === null ? { port: probe.port } : { port: probe.port, service: probe.service },
        ...timing,
      }
  }
}

const container = (service: DesiredState.ServiceState, release: DesiredState.Release): IContainer => {
  const { startup, liveness, readiness } = service.probes
  return {
    name: "app",
    image: release.image,
    ...(service.startCommand === null ? {} : { command: ["/bin/sh", "-c", service.startCommand] }),
    envFrom: [{ secretRef: { name: Names.variables(service) } }],
    // The port the Service sends traffic to wins over a PORT variable that says otherwise.
    ...(service.port === null ? {} : { env: [{ name: "PORT", value: String(service.port) }] }),
    ...(service.port === null ? {} : { ports: [{ name: "http", containerPort: service.port, protocol: "TCP" }] }),
    ...(startup === null ? {} : { startupProbe: probe(startup) }),
    ...(liveness === null ? {} : { livenessProbe: probe(liveness) }),
    ...(readiness === null ? {} : { readinessProbe: probe(readiness) }),
    resources: resources(service.resources),
    ...(service.volumes.length === 0
      ? {}
      : { volumeMounts: service.volumes.map((mount) => ({ name: mount.name, mountPath: mount.mountPath })) }),
    securityContext: { allowPrivilegeEscalation: false },
  }
}

const restartPolicies = { always: "Always", on_failure: "OnFailure", never: "Never" } as const

/** The pod template of `release`: every `starform.io/*` label, the variables' checksum, and the container. */
export const podTemplate = (service: DesiredState.ServiceState, release: DesiredState.Release): IPodTemplateSpec => ({
  metadata: {
    labels: Labels.ofRelease(service, release),
    annotations: { [variablesChecksumAnnotation]: variablesChecksum(service.variables) },
  },
  spec: {
    containers: [container(service, release)],
    restartPolicy: restartPolicies[service.restartPolicy],
    // Customer code has no business with the Kubernetes API, nor with every Service's address in its environment.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: 30,
    ...(service.volumes.length === 0
      ? {}
      : {
          volumes: service.volumes.map((mount) => ({
            name: mount.name,
            persistentVolumeClaim: { claimName: Names.volume(mount) },
          })),
        }),
  },
})
