import { isObject, type Json, type JsonObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import { canonicalQuantity } from "../Quantity.ts"

/**
 * The defaults kube-apiserver fills in (and the admission plugins that set fields), for the kinds Shuttle writes.
 * Live objects carry these fields though nobody applied them: a drift check has to expect them.
 */
export interface DefaultsContext {
  readonly defaultStorageClass: () => string | undefined
  readonly allocateClusterIP: () => string
}

const obj = (parent: JsonObject, field: string): JsonObject => {
  const current = parent[field]
  if (isObject(current)) return current
  const created: JsonObject = {}
  parent[field] = created
  return created
}

const setDefault = (target: JsonObject, field: string, value: Json) => {
  if (target[field] === undefined || target[field] === null) target[field] = value
}

/** Rewrites every quantity in a map (`{ cpu: "1000m" }`) to its canonical form, in place. */
const canonicalQuantities = (map: Json | undefined) => {
  if (!isObject(map)) return
  for (const [key, value] of Object.entries(map)) {
    if (typeof value === "number") map[key] = canonicalQuantity(String(value)) ?? value
    else if (typeof value === "string") map[key] = canonicalQuantity(value) ?? value
  }
}

const probeDefaults = (probe: Json | undefined) => {
  if (!isObject(probe)) return
  setDefault(probe, "timeoutSeconds", 1)
  setDefault(probe, "periodSeconds", 10)
  setDefault(probe, "successThreshold", 1)
  setDefault(probe, "failureThreshold", 3)
  if (isObject(probe.httpGet)) setDefault(probe.httpGet, "scheme", "HTTP")
  if (isObject(probe.grpc)) setDefault(probe.grpc, "service", "")
}

const containerDefaults = (c: Json) => {
  if (!isObject(c)) return
  const image = typeof c.image === "string" ? c.image : ""
  const lastSegment = image.split("/").pop() ?? ""
  const tagged = lastSegment.includes(":") || image.includes("@")
  const latest = !tagged || lastSegment.endsWith(":latest")
  setDefault(c, "imagePullPolicy", latest && !image.includes("@") ? "Always" : "IfNotPresent")
  setDefault(c, "terminationMessagePath", "/dev/termination-log")
  setDefault(c, "terminationMessagePolicy", "File")
  setDefault(c, "resources", {})
  if (isObject(c.resources)) {
    canonicalQuantities(c.resources.limits)
    canonicalQuantities(c.resources.requests)
  }
  if (Array.isArray(c.ports)) for (const port of c.ports) if (isObject(port)) setDefault(port, "protocol", "TCP")
  if (Array.isArray(c.env))
    for (const env of c.env)
      if (isObject(env) && isObject(env.valueFrom) && isObject(env.valueFrom.fieldRef))
        setDefault(env.valueFrom.fieldRef, "apiVersion", "v1")
  probeDefaults(c.livenessProbe)
  probeDefaults(c.readinessProbe)
  probeDefaults(c.startupProbe)
}

export const podSpecDefaults = (spec: JsonObject, restartPolicy: string | undefined) => {
  if (restartPolicy !== undefined) setDefault(spec, "restartPolicy", restartPolicy)
  setDefault(spec, "dnsPolicy", "ClusterFirst")
  setDefault(spec, "schedulerName", "default-scheduler")
  setDefault(spec, "securityContext", {})
  setDefault(spec, "terminationGracePeriodSeconds", 30)
  if (typeof spec.serviceAccountName === "string") setDefault(spec, "serviceAccount", spec.serviceAccountName)
  for (const list of ["containers", "initContainers"]) {
    const containers = spec[list]
    if (Array.isArray(containers)) for (const c of containers) containerDefaults(c)
  }
  if (Array.isArray(spec.volumes))
    for (const volume of spec.volumes) {
      if (!isObject(volume)) continue
      if (isObject(volume.emptyDir) && volume.emptyDir.sizeLimit !== undefined) {
        const holder = { sizeLimit: volume.emptyDir.sizeLimit }
        canonicalQuantities(holder)
        volume.emptyDir.sizeLimit = holder.sizeLimit
      }
      if (isObject(volume.secret)) setDefault(volume.secret, "defaultMode", 420)
      if (isObject(volume.configMap)) setDefault(volume.configMap, "defaultMode", 420)
    }
}

const templateDefaults = (spec: JsonObject, restartPolicy: string | undefined) => {
  const template = obj(spec, "template")
  podSpecDefaults(obj(template, "spec"), restartPolicy)
}

const deploymentDefaults = (o: JsonObject) => {
  const spec = obj(o, "spec")
  setDefault(spec, "replicas", 1)
  setDefault(spec, "revisionHistoryLimit", 10)
  setDefault(spec, "progressDeadlineSeconds", 600)
  const strategy = obj(spec, "strategy")
  setDefault(strategy, "type", "RollingUpdate")
  if (strategy.type === "RollingUpdate") {
    const rolling = obj(strategy, "rollingUpdate")
    setDefault(rolling, "maxSurge", "25%")
    setDefault(rolling, "maxUnavailable", "25%")
  }
  templateDefaults(spec, "Always")
}

const serviceDefaults = (o: JsonObject, old: KObject | undefined, ctx: DefaultsContext) => {
  const spec = obj(o, "spec")
  setDefault(spec, "type", "ClusterIP")
  setDefault(spec, "sessionAffinity", "None")
  if (spec.type !== "ExternalName") {
    const oldSpec = old && isObject(old.spec) ? old.spec : undefined
    if (spec.clusterIP === undefined || spec.clusterIP === "") {
      spec.clusterIP = typeof oldSpec?.clusterIP === "string" ? oldSpec.clusterIP : ctx.allocateClusterIP()
    }
    setDefault(spec, "clusterIPs", [spec.clusterIP])
    if (spec.clusterIP !== "None") {
      setDefault(spec, "ipFamilies", ["IPv4"])
      setDefault(spec, "ipFamilyPolicy", "SingleStack")
    }
    setDefault(spec, "internalTrafficPolicy", "Cluster")
  }
  if (Array.isArray(spec.ports))
    for (const port of spec.ports) {
      if (!isObject(port)) continue
      setDefault(port, "protocol", "TCP")
      setDefault(port, "targetPort", port.port ?? null)
    }
  if (isObject(o.status) === false) o.status = { loadBalancer: {} }
}

const jobDefaults = (o: JsonObject, uid: string, name: string, old: KObject | undefined) => {
  const spec = obj(o, "spec")
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1
    spec.parallelism = 1
  }
  setDefault(spec, "parallelism", 1)
  setDefault(spec, "backoffLimit", 6)
  setDefault(spec, "completionMode", "NonIndexed")
  setDefault(spec, "suspend", false)
  setDefault(spec, "podReplacementPolicy", "TerminatingOrFailed")
  setDefault(spec, "manualSelector", null)
  if (spec.manualSelector === null) delete spec.manualSelector
  // The selector and the template's labels are generated from the Job's uid unless the author chose them.
  if (spec.manualSelector !== true && old === undefined) {
    spec.selector = { matchLabels: { "batch.kubernetes.io/controller-uid": uid } }
    const template = obj(spec, "template")
    const metadata = obj(template, "metadata")
    const labels = obj(metadata, "labels")
    labels["batch.kubernetes.io/controller-uid"] = uid
    labels["batch.kubernetes.io/job-name"] = name
    labels["controller-uid"] = uid
    labels["job-name"] = name
  }
  templateDefaults(spec, undefined)
}

const cronJobDefaults = (o: JsonObject) => {
  const spec = obj(o, "spec")
  setDefault(spec, "concurrencyPolicy", "Allow")
  setDefault(spec, "suspend", false)
  setDefault(spec, "successfulJobsHistoryLimit", 3)
  setDefault(spec, "failedJobsHistoryLimit", 1)
  const jobTemplate = obj(spec, "jobTemplate")
  const jobSpec = obj(jobTemplate, "spec")
  setDefault(jobSpec, "backoffLimit", 6)
  setDefault(jobSpec, "completionMode", "NonIndexed")
  setDefault(jobSpec, "suspend", false)
  setDefault(jobSpec, "podReplacementPolicy", "TerminatingOrFailed")
  templateDefaults(jobSpec, undefined)
}

const routeDefaults = (o: JsonObject) => {
  const spec = obj(o, "spec")
  if (Array.isArray(spec.parentRefs))
    for (const parent of spec.parentRefs) {
      if (!isObject(parent)) continue
      setDefault(parent, "group", "gateway.networking.k8s.io")
      setDefault(parent, "kind", "Gateway")
    }
  setDefault(spec, "rules", [{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }])
  if (Array.isArray(spec.rules))
    for (const rule of spec.rules) {
      if (!isObject(rule)) continue
      setDefault(rule, "matches", [{ path: { type: "PathPrefix", value: "/" } }])
      if (Array.isArray(rule.matches))
        for (const match of rule.matches) {
          if (!isObject(match)) continue
          const path = obj(match, "path")
          setDefault(path, "type", "PathPrefix")
          setDefault(path, "value", "/")
          if (Array.isArray(match.headers))
            for (const h of match.headers) if (isObject(h)) setDefault(h, "type", "Exact")
        }
      if (Array.isArray(rule.backendRefs))
        for (const ref of rule.backendRefs) {
          if (!isObject(ref)) continue
          setDefault(ref, "group", "")
          setDefault(ref, "kind", "Service")
          setDefault(ref, "weight", 1)
        }
    }
}

/** Fills in defaults in place. `uid` and `name` are the object's final ones (generated names included). */
export const applyDefaults = (object: KObject, old: KObject | undefined, ctx: DefaultsContext): void => {
  const o: JsonObject = object
  const name = object.metadata.name ?? ""
  switch (object.kind) {
    case "Namespace": {
      object.metadata.labels = { ...object.metadata.labels, "kubernetes.io/metadata.name": name }
      const spec = obj(o, "spec")
      setDefault(spec, "finalizers", ["kubernetes"])
      const status = obj(o, "status")
      setDefault(status, "phase", "Active")
      break
    }
    case "Deployment":
      deploymentDefaults(o)
      break
    case "ReplicaSet": {
      const spec = obj(o, "spec")
      setDefault(spec, "replicas", 1)
      templateDefaults(spec, "Always")
      break
    }
    case "Pod": {
      const spec = obj(o, "spec")
      podSpecDefaults(spec, "Always")
      setDefault(spec, "enableServiceLinks", true)
      setDefault(spec, "preemptionPolicy", "PreemptLowerPriority")
      setDefault(spec, "priority", 0)
      const status = obj(o, "status")
      setDefault(status, "phase", "Pending")
      setDefault(status, "qosClass", "BestEffort")
      break
    }
    case "Service":
      serviceDefaults(o, old, ctx)
      break
    case "Secret": {
      setDefault(o, "type", "Opaque")
      if (isObject(o.stringData)) {
        const data = obj(o, "data")
        for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(String(v), "utf8").toString("base64")
        delete o.stringData
      }
      break
    }
    case "PersistentVolumeClaim": {
      const spec = obj(o, "spec")
      if (isObject(spec.resources)) {
        canonicalQuantities(spec.resources.requests)
        canonicalQuantities(spec.resources.limits)
      }
      setDefault(spec, "volumeMode", "Filesystem")
      if (spec.storageClassName === undefined && old === undefined) {
        const sc = ctx.defaultStorageClass()
        if (sc !== undefined) spec.storageClassName = sc
      }
      const status = obj(o, "status")
      setDefault(status, "phase", "Pending")
      break
    }
    case "Job":
      jobDefaults(o, object.metadata.uid ?? "", name, old)
      break
    case "CronJob":
      cronJobDefaults(o)
      break
    case "HorizontalPodAutoscaler": {
      const spec = obj(o, "spec")
      setDefault(spec, "minReplicas", 1)
      if (Array.isArray(spec.metrics))
        for (const metric of spec.metrics) {
          if (!isObject(metric)) continue
          for (const source of Object.values(metric)) {
            if (!isObject(source) || !isObject(source.target)) continue
            const target = source.target
            for (const field of ["value", "averageValue"]) {
              const value = target[field]
              if (typeof value === "string" || typeof value === "number")
                target[field] = canonicalQuantity(String(value)) ?? value
            }
          }
        }
      break
    }
    case "NetworkPolicy": {
      const spec = obj(o, "spec")
      setDefault(spec, "podSelector", {})
      if (spec.policyTypes === undefined) {
        spec.policyTypes = Array.isArray(spec.egress) ? ["Ingress", "Egress"] : ["Ingress"]
      }
      break
    }
    case "HTTPRoute":
      routeDefaults(o)
      break
  }
}

// Map-typed fields: Go drops them when empty (omitempty); empty structs, by contrast, are written out as {}.
const mapFields = new Set([
  "labels",
  "annotations",
  "data",
  "binaryData",
  "stringData",
  "nodeSelector",
  "matchLabels",
  "limits",
  "requests",
  "capacity",
  "allocatable",
  "hard",
  "used",
  "parameters",
])

// Kinds whose empty lists the API server writes out (fields without omitempty), and custom resources, which keep
// whatever was sent.
const keepsEmptyLists = new Set(["EndpointSlice", "Role", "ClusterRole"])

const prune = (value: Json): Json => {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = prune(value[i]!)
    return value
  }
  if (!isObject(value)) return value
  for (const [key, member] of Object.entries(value)) {
    if (member === null) continue
    const pruned = prune(member)
    if (Array.isArray(pruned) && pruned.length === 0) delete value[key]
    else if (isObject(pruned) && Object.keys(pruned).length === 0 && mapFields.has(key)) delete value[key]
    else value[key] = pruned
  }
  return value
}

/**
 * What serialization does to a built-in object: empty lists and empty maps vanish (`env: []`, `labels: {}`), as
 * Go's omitempty drops them. A client that sent them reads back an object without them.
 */
export const dropEmpty = (object: KObject, custom: boolean): void => {
  if (custom || keepsEmptyLists.has(object.kind)) return
  const metadata = object.metadata as Record<string, unknown>
  for (const key of ["labels", "annotations", "finalizers", "ownerReferences"]) {
    const value = metadata[key]
    if (
      (Array.isArray(value) && value.length === 0) ||
      (isObject(value as Json) && Object.keys(value as object).length === 0)
    )
      delete metadata[key]
  }
  for (const [key, value] of Object.entries(object)) {
    if (key === "metadata" || key === "apiVersion" || key === "kind" || value === undefined) continue
    const pruned = prune(value as Json)
    if (key === "spec" && isObject(pruned) && object.kind === "Service") {
      const selector = pruned.selector
      if (isObject(selector) && Object.keys(selector).length === 0) delete pruned.selector
    }
    if (
      (Array.isArray(pruned) && pruned.length === 0) ||
      (isObject(pruned) && Object.keys(pruned).length === 0 && mapFields.has(key))
    )
      delete object[key]
    else object[key] = pruned
  }
}
