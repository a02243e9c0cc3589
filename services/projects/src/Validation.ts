import type { Projects, ServiceConfig, Violations } from "@starform/domain"

/**
 * The rules of a service that depend on more than one field: what its type needs (a web service listens on a
 * port, a cron job runs on a schedule and is not probed, a worker has neither), how its configuration hangs
 * together (autoscaling bounds, requests within limits, volumes on one replica). Each violation names the field
 * as the API sees it (`port`, `config.scaling.maxReplicas`, …) and the rule it breaks.
 */

export interface ServiceShape {
  readonly name: string
  readonly type: Projects.ServiceType
  readonly sourceType: Projects.SourceType
  readonly repoFullName: string | null
  readonly branch: string | null
  readonly imageRef: string | null
  readonly port: number | null
  readonly cronSchedule: string | null
  readonly isPublic: boolean
  readonly config: ServiceConfig.ServiceConfig
}

type Violation = Violations.Violation

const violation = (path: ReadonlyArray<PropertyKey>, rule: string, message: string): Violation => ({
  path,
  rule,
  message,
})

/** Names a service may not take: `shared` is the namespace of var-group references (`${{ shared.KEY }}`). */
export const reservedServiceNames: ReadonlyArray<string> = ["shared"]

const probeKinds = ["startup", "liveness", "readiness"] as const

export const validateService = (service: ServiceShape): ReadonlyArray<Violation> => {
  const found: Array<Violation> = []
  const { type, config } = service
  const web = type === "web"
  const cron = type === "cron"

  if (reservedServiceNames.includes(service.name)) {
    found.push(
      violation(["name"], "reserved-name", `must not be ${service.name}: it is reserved for var-group references`),
    )
  }
  if (web && service.port === null)
    found.push(violation(["port"], "service-shape", "is required: a web service listens on a port"))
  if (!web && service.port !== null)
    found.push(violation(["port"], "service-shape", `must be null: a ${type} does not listen on a port`))
  if (cron && service.cronSchedule === null) {
    found.push(violation(["cronSchedule"], "service-shape", "is required: a cron service runs on a schedule"))
  }
  if (!cron && service.cronSchedule !== null) {
    found.push(violation(["cronSchedule"], "service-shape", `must be null: only a cron service has a schedule`))
  }
  if (!web && service.isPublic)
    found.push(violation(["isPublic"], "service-shape", "must be false: only a web service can be public"))
  if (service.sourceType === "repo") {
    if (service.repoFullName === null) {
      found.push(violation(["source", "repoFullName"], "required", "is required for a service built from a repository"))
    }
    if (service.branch === null)
      found.push(violation(["source", "branch"], "required", "is required for a service built from a repository"))
  } else if (service.imageRef === null) {
    found.push(violation(["source", "imageRef"], "required", "is required for a service run from an image"))
  }

  for (const kind of probeKinds) {
    const probe = config.probes[kind]
    if (probe === null) continue
    if (cron) {
      found.push(
        violation(["config", "probes", kind], "service-shape", "must be null: a cron job's runs are not probed"),
      )
    } else if (probe.port === null && !web) {
      found.push(
        violation(
          ["config", "probes", kind, "port"],
          "required",
          "is required: a worker has no service port, so name the port to probe",
        ),
      )
    }
    if (probe.timeoutSeconds > probe.periodSeconds) {
      found.push(
        violation(["config", "probes", kind, "timeoutSeconds"], "probe-timing", "must not exceed periodSeconds"),
      )
    }
    if ((kind === "liveness" || kind === "startup") && probe.successThreshold !== 1) {
      found.push(
        violation(["config", "probes", kind, "successThreshold"], "probe-timing", `must be 1 for a ${kind} probe`),
      )
    }
  }

  const scaling = config.scaling
  if (scaling.mode === "autoscale") {
    if (cron)
      found.push(
        violation(["config", "scaling", "mode"], "service-shape", "must be fixed: a cron job does not autoscale"),
      )
    if (scaling.minReplicas > scaling.maxReplicas) {
      found.push(violation(["config", "scaling", "maxReplicas"], "autoscaling-bounds", "must be at least minReplicas"))
    }
    if (scaling.targetCpuPercent === null && scaling.targetMemoryPercent === null) {
      found.push(
        violation(
          ["config", "scaling", "targetCpuPercent"],
          "autoscaling-target",
          "or targetMemoryPercent must be set: autoscaling needs a target",
        ),
      )
    }
  } else if (cron && scaling.replicas !== 1) {
    found.push(
      violation(["config", "scaling", "replicas"], "service-shape", "must be 1: a cron job runs one pod per schedule"),
    )
  }

  const { requests, limits } = config.resources
  if (requests.cpuMillicores > limits.cpuMillicores) {
    found.push(
      violation(
        ["config", "resources", "requests", "cpuMillicores"],
        "requests-within-limits",
        "must not exceed the CPU limit",
      ),
    )
  }
  if (requests.memoryMib > limits.memoryMib) {
    found.push(
      violation(
        ["config", "resources", "requests", "memoryMib"],
        "requests-within-limits",
        "must not exceed the memory limit",
      ),
    )
  }

  const policy = config.restartPolicy
  if (policy !== null) {
    if (cron && policy === "always") {
      found.push(violation(["config", "restartPolicy"], "restart-policy", "must be on_failure or never for a cron job"))
    }
    if (!cron && policy !== "always") {
      found.push(
        violation(
          ["config", "restartPolicy"],
          "restart-policy",
          `must be always for a ${type}: its replicas always restart`,
        ),
      )
    }
  }

  const names = new Set<string>()
  const paths = new Set<string>()
  config.volumes.forEach((volume, index) => {
    if (names.has(volume.name))
      found.push(
        violation(["config", "volumes", index, "name"], "unique", "must be unique among the service's volumes"),
      )
    if (paths.has(volume.mountPath)) {
      found.push(
        violation(["config", "volumes", index, "mountPath"], "unique", "must be unique among the service's volumes"),
      )
    }
    names.add(volume.name)
    paths.add(volume.mountPath)
  })
  if (config.volumes.length > 0) {
    const single = scaling.mode === "fixed" ? scaling.replicas === 1 : scaling.maxReplicas === 1
    if (!single) {
      found.push(
        violation(
          ["config", "scaling"],
          "volume-single-replica",
          "must keep one replica: a volume attaches to one node at a time",
        ),
      )
    }
    if (cron)
      found.push(violation(["config", "volumes"], "service-shape", "must be empty: a cron job does not mount volumes"))
  }

  if (config.rollout.maxSurgePercent === 0 && config.rollout.maxUnavailablePercent === 0) {
    found.push(
      violation(
        ["config", "rollout", "maxSurgePercent"],
        "rollout-progress",
        "or maxUnavailablePercent must be above 0, or a rollout cannot progress",
      ),
    )
  }
  return found
}
