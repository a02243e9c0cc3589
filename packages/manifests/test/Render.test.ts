import { describe, expect, it } from "@effect/vitest"
import type { DesiredState } from "@starform/domain"
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment"
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler"
import type { ICronJob } from "kubernetes-models/batch/v1/CronJob"
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy"
import type { ISecret } from "kubernetes-models/v1/Secret"
import type { IService } from "kubernetes-models/v1/Service"
import { KubeObject, Labels, Names, Options, Order, Render, Workload } from "../src/index.ts"
import * as Fixtures from "./fixtures.ts"
import { admits } from "./networkPolicy.ts"
import { schemaErrors } from "./schemas.ts"

const options = Options.defaults
const find = <T>(objects: ReadonlyArray<KubeObject.KubeObject>, kind: string): T =>
  objects.find((object) => object.kind === kind) as T
const kinds = (objects: ReadonlyArray<KubeObject.KubeObject>) => objects.map((object) => object.kind)

const ids = Fixtures.environmentIds()
const probe = (type: "http" | "tcp" | "grpc") =>
  type === "http"
    ? { type, path: "/healthz", port: 8080, ...Fixtures.timing }
    : type === "grpc"
      ? { type, port: 9090, service: "api.Health", ...Fixtures.timing }
      : { type, port: 8080, ...Fixtures.timing }

/** One of everything: each type, each probe kind, autoscaling, volumes, a start command. */
const everything = () => {
  const web = Fixtures.service(ids, {
    name: "web",
    probes: { startup: probe("http"), liveness: probe("grpc"), readiness: probe("tcp") },
    scaling: {
      mode: "autoscale",
      minReplicas: 2,
      maxReplicas: 6,
      targetCpuPercent: 70,
      targetMemoryPercent: 80,
      scaleUpCooldownSeconds: 0,
      scaleDownCooldownSeconds: 300,
    },
    volumes: [{ name: "uploads", sizeGb: 10, mountPath: "/data", storageClass: "do-block-storage" }],
    startCommand: "node server.js",
  })
  const internal = Fixtures.service(ids, { name: "internal", isPublic: false, domains: [] })
  const worker = Fixtures.service(ids, { name: "jobs", type: "worker" })
  const cron = Fixtures.service(ids, { name: "nightly-report", type: "cron", cronSchedule: "0 3 * * *" })
  return { web, internal, worker, cron, environment: Fixtures.environment(ids, [web, internal, worker, cron]) }
}

const renderAll = () => {
  const { web, internal, worker, cron, environment } = everything()
  return [
    ...Render.environment(environment),
    ...[web, internal, worker, cron].flatMap((service) => Render.service(service, options)),
  ]
}

describe("rendered objects", () => {
  it("every object of every service type passes its kind's upstream OpenAPI schema", () => {
    const objects = renderAll()
    expect(new Set(kinds(objects))).toEqual(
      new Set([
        "Namespace",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "Secret",
        "Service",
        "Deployment",
        "HorizontalPodAutoscaler",
        "HTTPRoute",
        "CronJob",
      ]),
    )
    for (const object of objects) expect(schemaErrors(object), `${object.kind}/${object.metadata.name}`).toEqual([])
  })

  it("the schema check does catch a broken object", () => {
    const deployment = find<IDeployment>(renderAll(), "Deployment")
    const broken = { ...deployment, spec: { ...deployment.spec, replicas: "two" } }
    expect(schemaErrors(broken).join("\n")).toMatch(/replicas/)
  })

  it("every object carries the tenant labels and managed-by shuttle; pods carry every label the admission policy requires", () => {
    for (const object of renderAll()) {
      const labels = object.metadata.labels ?? {}
      expect(labels[Labels.managedBy], object.metadata.name).toBe("shuttle")
      expect(labels[Labels.projectId]).toBe(ids.projectId)
      expect(labels[Labels.workspaceId]).toBe(ids.workspaceId)
      expect(labels[Labels.environment]).toBe("production")
    }
    const { web, cron } = everything()
    const deployment = find<IDeployment>(Render.service(web, options), "Deployment")
    const cronJob = find<ICronJob>(Render.service(cron, options), "CronJob")
    for (const podLabels of [
      deployment.spec?.template.metadata?.labels ?? {},
      cronJob.spec?.jobTemplate.spec?.template.metadata?.labels ?? {},
    ]) {
      for (const key of Labels.podRequired) expect(podLabels[key], key).toMatch(/^\S+$/)
    }
    expect(deployment.spec?.template.metadata?.labels?.[Labels.deploymentId]).toBe(web.release.deploymentId)
  })

  it("the same desired state renders to the same bytes, however its variables were ordered", () => {
    const { web } = everything()
    const reordered: DesiredState.ServiceState = {
      ...web,
      variables: Object.fromEntries(Object.entries(web.variables).reverse()) as DesiredState.ServiceState["variables"],
    }
    const once = JSON.stringify(Render.service(web, options))
    expect(JSON.stringify(Render.service(web, options))).toBe(once)
    expect(JSON.stringify(Render.service(reordered, options))).toBe(once)
    const { environment } = everything()
    expect(JSON.stringify(Render.environment(environment))).toBe(JSON.stringify(Render.environment(environment)))
  })
})

describe("service types render differently", () => {
  it("web: Secret, stable Service, the release's Deployment, and for a public service a route and a gateway policy", () => {
    const web = Fixtures.service(ids)
    const objects = Render.service(web, options)
    expect(kinds(objects)).toEqual(["NetworkPolicy", "Secret", "Service", "Deployment", "HTTPRoute"])
    const deployment = find<IDeployment>(objects, "Deployment")
    expect(deployment.metadata?.name).toBe("api-r1")
    expect(deployment.spec?.replicas).toBe(2)
    // A pod must stay ready a while before it counts: one that passes its probes and then crashes does not.
    expect(deployment.spec?.minReadySeconds).toBe(10)
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(web.release.image)
    expect(deployment.spec?.template.spec?.containers[0]?.envFrom).toEqual([{ secretRef: { name: "api-env" } }])
    expect(deployment.spec?.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: "25%", maxUnavailable: "0%" },
    })
    const stable = find<IService>(objects, "Service")
    expect(stable.metadata?.name).toBe("api")
    expect(stable.spec?.selector).toEqual({
      [Labels.serviceId]: web.serviceId,
      [Labels.deploymentId]: web.release.deploymentId,
    })
  })

  it("a private web service gets neither route nor gateway policy", () => {
    const objects = Render.service(Fixtures.service(ids, { isPublic: false, domains: [] }), options)
    expect(kinds(objects)).toEqual(["Secret", "Service", "Deployment"])
  })

  it("worker: a Deployment, no Service and no route", () => {
    const objects = Render.service(Fixtures.service(ids, { type: "worker" }), options)
    expect(kinds(objects)).toEqual(["Secret", "Deployment"])
    expect(find<IDeployment>(objects, "Deployment").spec?.template.spec?.containers[0]?.ports).toBeUndefined()
  })

  it("cron: a CronJob on the schedule, retried maxRetries times, never overlapping; no Deployment", () => {
    const cron = Fixtures.service(ids, { type: "cron", cronSchedule: "0 3 * * *", maxRetries: 5 })
    const objects = Render.service(cron, options)
    expect(kinds(objects)).toEqual(["Secret", "CronJob"])
    const job = find<ICronJob>(objects, "CronJob")
    expect(job.spec?.schedule).toBe("0 3 * * *")
    expect(job.spec?.concurrencyPolicy).toBe("Forbid")
    expect(job.spec?.jobTemplate.spec?.backoffLimit).toBe(5)
    expect(job.spec?.jobTemplate.spec?.template.spec?.restartPolicy).toBe("OnFailure")
  })

  it("a cron service's long name is cut to the 52 characters a CronJob allows, still unique", () => {
    const long = "a".repeat(60)
    const cron = Fixtures.service(ids, { type: "cron", name: long })
    const job = find<ICronJob>(Render.service(cron, options), "CronJob")
    expect(job.metadata?.name?.length).toBeLessThanOrEqual(52)
    expect(job.metadata?.name).not.toBe(Names.cronJob({ name: `${"a".repeat(59)}b` }))
    expect(schemaErrors(job)).toEqual([])
  })
})

describe("traffic", () => {
  it("the stable Service selects the serving release and lists draining ones with their deadline", () => {
    const previous = Fixtures.release(1)
    const web = Fixtures.service(ids, { release: Fixtures.release(2), previousRelease: previous })
    const served = find<IService>(
      Render.service(web, options, { serving: web.previousRelease!, draining: [] }),
      "Service",
    )
    expect(served.spec?.selector?.[Labels.deploymentId]).toBe(previous.deploymentId)
    const moved = find<IService>(
      Render.service(web, options, {
        serving: web.release,
        draining: [{ deploymentId: previous.deploymentId, untilMs: 1_700_000_030_000 }],
      }),
      "Service",
    )
    expect(moved.spec?.selector?.[Labels.deploymentId]).toBe(web.release.deploymentId)
    expect(moved.metadata?.annotations?.["starform.io/draining"]).toBe(`${previous.deploymentId}@1700000030000`)
  })
})

describe("scaling, resources and volumes", () => {
  it("an autoscaled service gets an HPA on its release's Deployment, which then leaves the count to it", () => {
    const { web } = everything()
    const objects = Render.service(web, options)
    const hpa = find<IHorizontalPodAutoscaler>(objects, "HorizontalPodAutoscaler")
    expect(hpa.spec?.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "web-r1" })
    expect(hpa.spec?.minReplicas).toBe(2)
    expect(hpa.spec?.maxReplicas).toBe(6)
    expect(hpa.spec?.metrics?.map((metric) => metric.resource?.name)).toEqual(["cpu", "memory"])
    expect(hpa.spec?.behavior?.scaleDown?.stabilizationWindowSeconds).toBe(300)
    expect(find<IDeployment>(objects, "Deployment").spec?.replicas).toBeUndefined()
  })

  it("resources are written as the API server writes them back, so a re-read never looks like drift", () => {
    expect([Workload.cpu(100), Workload.cpu(1000), Workload.cpu(2500)]).toEqual(["100m", "1", "2500m"])
    expect([Workload.memory(512), Workload.memory(1024), Workload.memory(1536)]).toEqual(["512Mi", "1Gi", "1536Mi"])
    expect([Workload.storage(10), Workload.storage(2048)]).toEqual(["10Gi", "2Ti"])
  })

  it("a volume is a PVC on the DigitalOcean block-storage class, mounted where asked, and the rollout recreates", () => {
    const { web, environment } = everything()
    const pvc = Render.environment(environment).find((object) => object.kind === "PersistentVolumeClaim")
    expect(pvc).toMatchObject({
      metadata: { name: "uploads", namespace: ids.namespace },
      spec: {
        storageClassName: "do-block-storage",
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "10Gi" } },
      },
    })
    expect(pvc?.metadata.labels?.[Labels.serviceId]).toBeUndefined()
    const deployment = find<IDeployment>(Render.service(web, options), "Deployment")
    expect(deployment.spec?.strategy).toEqual({ type: "Recreate" })
    expect(deployment.spec?.template.spec?.containers[0]?.volumeMounts).toEqual([
      { name: "uploads", mountPath: "/data" },
    ])
    expect(deployment.spec?.template.spec?.volumes).toEqual([
      { name: "uploads", persistentVolumeClaim: { claimName: "uploads" } },
    ])
  })

  it("a change of variables changes the pod template (so pods restart), a change of nothing does not", () => {
    const web = Fixtures.service(ids)
    const checksum = (service: DesiredState.ServiceState) =>
      find<IDeployment>(Render.service(service, options), "Deployment").spec?.template.metadata?.annotations?.[
        Workload.variablesChecksumAnnotation
      ]
    const changed = {
      ...web,
      variables: { ...web.variables, DATABASE_URL: "postgres://other/app" },
    } as DesiredState.ServiceState
    expect(checksum(web)).toBe(checksum({ ...web }))
    expect(checksum(changed)).not.toBe(checksum(web))
    const secret = find<ISecret>(Render.service(changed, options), "Secret")
    expect(Buffer.from(secret.data?.DATABASE_URL ?? "", "base64").toString()).toBe("postgres://other/app")
    expect(Object.keys(secret.data ?? {})).toEqual(["DATABASE_URL", "PORT"])
  })
})

describe("network isolation", () => {
  const other = Fixtures.environmentIds("staging")
  const namespaceLabels = (environment: Fixtures.EnvironmentIds) => ({
    "kubernetes.io/metadata.name": environment.namespace,
    [Labels.environment]: environment.environment,
  })
  const podOf = (environment: Fixtures.EnvironmentIds, service: DesiredState.ServiceState) => ({
    namespace: environment.namespace,
    namespaceLabels: namespaceLabels(environment),
    labels: Labels.ofRelease(service, service.release),
  })
  const publicWeb = Fixtures.service(ids, { name: "web" })
  const privateApi = Fixtures.service(ids, { name: "internal", isPublic: false, domains: [] })
  const neighbour = Fixtures.service(ids, { name: "jobs", type: "worker" })
  const stranger = Fixtures.service(other, { name: "web" })
  const policies = [
    ...Render.environment(Fixtures.environment(ids, [publicWeb, privateApi, neighbour])),
    ...Render.environment(Fixtures.environment(other, [stranger])),
    ...[publicWeb, privateApi, neighbour].flatMap((service) => Render.service(service, options)),
    ...Render.service(stranger, options),
  ].filter((object): object is INetworkPolicy & KubeObject.KubeObject => object.kind === "NetworkPolicy")
  const gateway = {
    namespace: options.gateway.namespace,
    namespaceLabels: { "kubernetes.io/metadata.name": options.gateway.namespace },
    labels: { app: "envoy" },
  }

  it("services of one environment reach each other", () => {
    expect(admits(policies, podOf(ids, neighbour), podOf(ids, privateApi), 8080)).toBe(true)
  })

  it("another environment, even of the same workspace's other project, is refused", () => {
    expect(admits(policies, podOf(other, stranger), podOf(ids, privateApi), 8080)).toBe(false)
    expect(admits(policies, podOf(other, stranger), podOf(ids, publicWeb), 8080)).toBe(false)
  })

  it("the gateway reaches a public service on its port only, and never a private one", () => {
    expect(admits(policies, gateway, podOf(ids, publicWeb), 8080)).toBe(true)
    expect(admits(policies, gateway, podOf(ids, publicWeb), 22)).toBe(false)
    expect(admits(policies, gateway, podOf(ids, privateApi), 8080)).toBe(false)
  })
})

describe("order", () => {
  it("applies namespaces, policies, secrets, volumes, services, workloads, autoscalers, routes; prunes in reverse", () => {
    const { web, environment } = everything()
    const objects = Order.forApply([...Render.service(web, options), ...Render.environment(environment)])
    expect([...new Set(kinds(objects))]).toEqual([
      "Namespace",
      "NetworkPolicy",
      "Secret",
      "PersistentVolumeClaim",
      "Service",
      "Deployment",
      "HorizontalPodAutoscaler",
      "HTTPRoute",
    ])
    const pruned = Order.forPrune(objects.map(KubeObject.refOf))
    expect([...new Set(pruned.map((ref) => ref.kind))]).toEqual([
      "HTTPRoute",
      "HorizontalPodAutoscaler",
      "Deployment",
      "Service",
      "PersistentVolumeClaim",
      "Secret",
      "NetworkPolicy",
      "Namespace",
    ])
  })

  it("an object's key names it exactly and parses back", () => {
    for (const object of renderAll()) {
      const ref = KubeObject.refOf(object)
      expect(KubeObject.refOfKey(KubeObject.keyOf(ref))).toEqual(ref)
    }
  })
})
