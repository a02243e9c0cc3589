import { Effect, Schema } from "effect"
import { VolumeName } from "./Names.ts"
import * as Rules from "./Rules.ts"

/**
 * A service's configuration beyond its columns (the `services.config` jsonb): health checks, scaling,
 * resources, build / pre-deploy / start command overrides, draining, restart policy, volume mounts and rollout
 * limits. Every key may be left out and decodes to the default a new user would expect, so `{}` is a valid
 * configuration. Rules that depend on the service's type (a cron job does not autoscale, a worker probe names
 * its port) are checked by the projects service, which knows the type.
 */

const defaulted = <S extends Schema.Top>(schema: S, value: S["Encoded"]) =>
  schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))

/** A whole number of seconds in `minimum`..`maximum`. */
const seconds = (minimum: number, maximum: number) => Rules.int(minimum, maximum)

/** A TCP port. */
export const ProbePort = Rules.int(1, 65535)

/** An HTTP path a probe requests, e.g. `/healthz`. */
export const HttpPath = Rules.matching(
  "http-path",
  /^\/[^\s]{0,1023}$/,
  "must be an HTTP path starting with '/', without spaces, at most 1024 characters",
)

/** How often and how patiently Kubernetes probes; the defaults are Kubernetes' own, with a 5 s timeout. */
const probeTiming = {
  initialDelaySeconds: defaulted(
    seconds(0, 3600).annotate({ description: "Seconds before the first probe (default 0)." }),
    0,
  ),
  periodSeconds: defaulted(seconds(1, 3600).annotate({ description: "Seconds between probes (default 10)." }), 10),
  timeoutSeconds: defaulted(seconds(1, 3600).annotate({ description: "Seconds a probe may take (default 5)." }), 5),
  successThreshold: defaulted(
    Rules.int(1, 100).annotate({ description: "Passes in a row that make a replica healthy (default 1)." }),
    1,
  ),
  failureThreshold: defaulted(
    Rules.int(1, 100).annotate({ description: "Failures in a row that make a replica unhealthy (default 3)." }),
    3,
  ),
}

/** An HTTP GET of `path`: healthy on a 2xx or 3xx answer. `port` null: the service's own port. */
export const HttpProbe = Schema.Struct({
  type: Schema.tag("http").annotate({ description: "`http`." }),
  path: defaulted(HttpPath.annotate({ description: "The path requested; default `/`." }), "/"),
  port: defaulted(
    Schema.NullOr(ProbePort).annotate({ description: "The port probed; null (the default): the service's own port." }),
    null,
  ),
  ...probeTiming,
}).annotate({ identifier: "HttpProbe", description: "An HTTP GET of `path`: healthy on a 2xx or 3xx answer." })
export type HttpProbe = typeof HttpProbe.Type

/** A TCP connect to `port`. `port` null: the service's own port. */
export const TcpProbe = Schema.Struct({
  type: Schema.tag("tcp").annotate({ description: "`tcp`." }),
  port: defaulted(
    Schema.NullOr(ProbePort).annotate({ description: "The port probed; null (the default): the service's own port." }),
    null,
  ),
  ...probeTiming,
}).annotate({ identifier: "TcpProbe", description: "A TCP connect to `port`." })
export type TcpProbe = typeof TcpProbe.Type

/** A gRPC health check (grpc.health.v1) on `port`, for `service` (null: the server as a whole). */
export const GrpcProbe = Schema.Struct({
  type: Schema.tag("grpc").annotate({ description: "`grpc`." }),
  port: defaulted(
    Schema.NullOr(ProbePort).annotate({ description: "The port probed; null (the default): the service's own port." }),
    null,
  ),
  service: defaulted(
    Schema.NullOr(Rules.text(255, 1)).annotate({
      description: "The gRPC service checked; null (the default): the server as a whole.",
    }),
    null,
  ),
  ...probeTiming,
}).annotate({ identifier: "GrpcProbe", description: "A gRPC health check (grpc.health.v1)." })
export type GrpcProbe = typeof GrpcProbe.Type

export const Probe = Schema.Union([HttpProbe, TcpProbe, GrpcProbe]).annotate({
  description: "A probe: `http`, `tcp` or `grpc`.",
  message: "must be a probe with type http, tcp or grpc",
})
export type Probe = typeof Probe.Type

/**
 * The three probes. Null: none of that kind, except that a web service without a readiness probe is checked
 * with a TCP connect to its port (traffic never moves to a release that does not listen).
 */
export const Probes = Schema.Struct({
  startup: defaulted(
    Schema.NullOr(Probe).annotate({
      description: "Held until it passes before the other probes start; null (the default): none.",
    }),
    null,
  ),
  liveness: defaulted(
    Schema.NullOr(Probe).annotate({ description: "Restarts a replica that fails it; null (the default): none." }),
    null,
  ),
  readiness: defaulted(
    Schema.NullOr(Probe).annotate({
      description:
        "Traffic moves to a replica only while it passes; null (the default): a TCP connect for web services.",
    }),
    null,
  ),
}).annotate({
  description:
    "The three probes. Null: none of that kind, except that a web service without a readiness probe is checked with a TCP connect to its port.",
})
export type Probes = typeof Probes.Type

/** A fixed number of replicas. */
export const FixedScaling = Schema.Struct({
  mode: Schema.tag("fixed").annotate({ description: "`fixed`." }),
  replicas: defaulted(Rules.int(1, 100).annotate({ description: "How many replicas run (1 to 100; default 1)." }), 1),
}).annotate({ description: "A fixed number of replicas." })
export type FixedScaling = typeof FixedScaling.Type

/** A percentage of the requested CPU or memory that the autoscaler keeps the average at. */
export const TargetPercent = Rules.int(1, 100)

/**
 * Horizontal autoscaling on CPU and memory (autoscaling/v2 via metrics-server). The cooldowns are the
 * stabilization windows: scale-up reacts at once by default, scale-down waits five minutes, as Kubernetes does.
 */
export const Autoscaling = Schema.Struct({
  mode: Schema.tag("autoscale").annotate({ description: "`autoscale`." }),
  minReplicas: defaulted(Rules.int(1, 100).annotate({ description: "The fewest replicas (1 to 100; default 1)." }), 1),
  maxReplicas: defaulted(Rules.int(1, 100).annotate({ description: "The most replicas (1 to 100; default 3)." }), 3),
  targetCpuPercent: defaulted(
    Schema.NullOr(TargetPercent).annotate({
      description:
        "The average CPU, as a percentage of the request, to keep replicas at (default 80); null: not scaled on CPU.",
    }),
    80,
  ),
  targetMemoryPercent: defaulted(
    Schema.NullOr(TargetPercent).annotate({
      description:
        "The average memory, as a percentage of the request, to keep replicas at; null (the default): not scaled on memory.",
    }),
    null,
  ),
  scaleUpCooldownSeconds: defaulted(
    seconds(0, 3600).annotate({ description: "How long load must stay high before scaling up (default 0)." }),
    0,
  ),
  scaleDownCooldownSeconds: defaulted(
    seconds(0, 3600).annotate({ description: "How long load must stay low before scaling down (default 300)." }),
    300,
  ),
}).annotate({
  description:
    "Horizontal autoscaling on CPU and memory; scale-up reacts at once by default, scale-down waits five minutes.",
})
export type Autoscaling = typeof Autoscaling.Type

export const Scaling = Schema.Union([FixedScaling, Autoscaling]).annotate({
  description: "A fixed number of replicas, or autoscaling.",
  message: "must be scaling with mode fixed or autoscale",
})
export type Scaling = typeof Scaling.Type

/** CPU in millicores (1000 = one core) and memory in MiB: what Kubernetes renders as `500m` and `512Mi`. */
export const ResourceAmounts = Schema.Struct({
  cpuMillicores: Rules.int(10, 64_000).annotate({ description: "CPU in millicores: 1000 is one core." }),
  memoryMib: Rules.int(16, 262_144).annotate({ description: "Memory in MiB." }),
}).annotate({ identifier: "ResourceAmounts", description: "CPU in millicores (1000 = one core) and memory in MiB." })
export type ResourceAmounts = typeof ResourceAmounts.Type

/** What a replica is guaranteed (requests) and may use at most (limits). */
export const Resources = Schema.Struct({
  requests: defaulted(ResourceAmounts, { cpuMillicores: 100, memoryMib: 256 }),
  limits: defaulted(ResourceAmounts, { cpuMillicores: 1000, memoryMib: 512 }),
}).annotate({ description: "What a replica is guaranteed (requests) and may use at most (limits)." })
export type Resources = typeof Resources.Type

/** A shell command line, run as `/bin/sh -c <command>`. */
export const Command = Rules.text(4096, 1)

export const restartPolicies = ["always", "on_failure", "never"] as const
/** Web services and workers always restart (a Kubernetes Deployment's only policy); a cron job's run may retry. */
export const RestartPolicy = Rules.oneOf(restartPolicies)
export type RestartPolicy = typeof RestartPolicy.Type

/** An absolute path in the container other than `/`. */
export const MountPath = Rules.matching(
  "mount-path",
  /^\/[^\s]{1,4095}$/,
  "must be an absolute path other than '/', without spaces, at most 4096 characters",
)

/** A Kubernetes StorageClass name (a DNS subdomain). */
export const StorageClass = Rules.matching(
  "storage-class",
  /^[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$/,
  "must be a storage class name: a-z, 0-9, '-' and '.', starting and ending with a letter or digit",
)

/** A persistent volume mounted into the service (DigitalOcean block storage: 1 GiB to 16 TiB). */
export const VolumeMount = Schema.Struct({
  name: VolumeName.annotate({ description: "The volume's name, unique in the environment." }),
  sizeGb: Rules.int(1, 16_384).annotate({ description: "The volume's size in GiB (1 to 16384)." }),
  mountPath: MountPath.annotate({ description: "Where the volume appears in the container." }),
  storageClass: defaulted(
    StorageClass.annotate({ description: "The Kubernetes StorageClass (default `do-block-storage`)." }),
    "do-block-storage",
  ),
}).annotate({ description: "A persistent volume mounted into the service (1 GiB to 16 TiB)." })
export type VolumeMount = typeof VolumeMount.Type

/**
 * How a new release's replicas replace the old: at most `maxSurgePercent` extra and `maxUnavailablePercent`
 * missing at a time. The default never drops below the desired count (zero-downtime).
 */
export const Rollout = Schema.Struct({
  maxSurgePercent: defaulted(
    Rules.int(0, 100).annotate({
      description: "Extra replicas allowed during a rollout, as a percentage of the desired count (default 25).",
    }),
    25,
  ),
  maxUnavailablePercent: defaulted(
    Rules.int(0, 100).annotate({
      description: "Replicas allowed missing during a rollout, as a percentage of the desired count (default 0).",
    }),
    0,
  ),
}).annotate({
  description: "How a new release's replicas replace the old; the default never drops below the desired count.",
})
export type Rollout = typeof Rollout.Type

/** The whole `services.config` object; decoding `{}` gives every default. */
export const ServiceConfig = Schema.Struct({
  probes: defaulted(Probes, {}),
  scaling: defaulted(Scaling.annotate({ description: "A fixed number of replicas, or autoscaling." }), {
    mode: "fixed",
  }),
  resources: defaulted(Resources, {}),
  /** Overrides of Railpack's build command; null: Railpack decides. */
  buildCommand: defaulted(
    Schema.NullOr(Command).annotate({
      description: "Overrides Railpack's build command; null (the default): Railpack decides.",
    }),
    null,
  ),
  /** Run once per release as a Job before traffic moves (e.g. migrations); null: none. */
  preDeployCommand: defaulted(
    Schema.NullOr(Command).annotate({
      description: "Run once per release as a Job before traffic moves (e.g. migrations); null (the default): none.",
    }),
    null,
  ),
  /** Overrides the image's start command; null: the image's own. */
  startCommand: defaulted(
    Schema.NullOr(Command).annotate({
      description: "Overrides the image's start command; null (the default): the image's own.",
    }),
    null,
  ),
  /** How long an old replica keeps serving in-flight requests after traffic moves away from it. */
  drainingSeconds: defaulted(
    seconds(0, 3600).annotate({
      description: "How long an old replica keeps serving in-flight requests after traffic moves away (default 30).",
    }),
    30,
  ),
  /** Null: the type's default (always for web and worker, on_failure for cron). */
  restartPolicy: defaulted(
    Schema.NullOr(RestartPolicy).annotate({
      description:
        "`always`, `on_failure` or `never`; null (the default): always for web and worker, on_failure for cron.",
    }),
    null,
  ),
  /** How many times a failed cron run is retried (the Job's backoffLimit). */
  maxRetries: defaulted(
    Rules.int(0, 10).annotate({ description: "How many times a failed cron run is retried (0 to 10; default 3)." }),
    3,
  ),
  volumes: defaulted(
    Schema.Array(VolumeMount).annotate({ description: "Persistent volumes mounted into the service (default none)." }),
    [],
  ),
  rollout: defaulted(Rollout, {}),
}).annotate({
  identifier: "ServiceConfig",
  description: "A service's configuration: every key may be left out and takes its default, so `{}` is valid.",
})
export type ServiceConfig = typeof ServiceConfig.Type
export type ServiceConfigInput = typeof ServiceConfig.Encoded

/** The configuration a new service gets. */
export const defaults: ServiceConfig = Schema.decodeUnknownSync(ServiceConfig)({})

/**
 * A change to a configuration: each section given replaces that section whole (its own missing keys take their
 * defaults); sections left out stay as they are.
 */
export const ServiceConfigPatch = Schema.Struct({
  probes: Schema.optionalKey(Probes),
  scaling: Schema.optionalKey(Scaling).annotate({ description: "Replaces the scaling." }),
  resources: Schema.optionalKey(Resources),
  buildCommand: Schema.optionalKey(Schema.NullOr(Command)).annotate({
    description: "Replaces the build command; null: Railpack decides.",
  }),
  preDeployCommand: Schema.optionalKey(Schema.NullOr(Command)).annotate({
    description: "Replaces the pre-deploy command; null: none.",
  }),
  startCommand: Schema.optionalKey(Schema.NullOr(Command)).annotate({
    description: "Replaces the start command; null: the image's own.",
  }),
  drainingSeconds: Schema.optionalKey(seconds(0, 3600)).annotate({
    description: "Replaces the draining time in seconds.",
  }),
  restartPolicy: Schema.optionalKey(Schema.NullOr(RestartPolicy)).annotate({
    description: "Replaces the restart policy; null: the type's default.",
  }),
  maxRetries: Schema.optionalKey(Rules.int(0, 10)).annotate({
    description: "Replaces the retries of a failed cron run.",
  }),
  volumes: Schema.optionalKey(Schema.Array(VolumeMount)).annotate({ description: "Replaces the volumes." }),
  rollout: Schema.optionalKey(Rollout),
}).annotate({
  identifier: "ServiceConfigPatch",
  description: "A change to a configuration: each section given replaces that section whole; sections left out stay.",
})
export type ServiceConfigPatch = typeof ServiceConfigPatch.Type

export const applyPatch = (config: ServiceConfig, patch: ServiceConfigPatch): ServiceConfig => ({ ...config, ...patch })
