import { deepEqual, getPath, isObject, type Json, type JsonObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import { quantity } from "../Quantity.ts"
import { isValidSchedule } from "../Schedule.ts"
import * as Names from "./Names.ts"
import { checkSchema } from "./OpenApi.ts"
import type { ResourceType } from "./Registry.ts"
import { fromLabelSelector, labelKeyProblem, labelValueProblem, matches } from "./Selectors.ts"
import {
  badRequest,
  type Cause,
  duplicate,
  forbidden,
  invalidValue,
  notSupported,
  required,
  tooLong,
} from "./Status.ts"

/**
 * What the API server refuses with 422. Required fields, enums, types and (for the Gateway API CRDs) patterns,
 * bounds and list sizes come from the upstream schemas (OpenApi.ts). Written here is only what those schemas cannot
 * say: name and label rules, value ranges of built-in kinds (their OpenAPI carries none), fields that must agree
 * with each other (selector and template labels, surge and unavailable, min and max replicas, probe handlers,
 * restart policies per workload), immutable fields, and the Gateway API's CEL rules. Returns the causes; an empty
 * list means valid; a body of the wrong types is refused at once (400), as decoding it would fail.
 */
export const validate = (type: ResourceType, obj: KObject, old: KObject | undefined): Cause[] => {
  const schema = checkSchema(type, obj)
  if (schema.undecodable !== undefined) throw badRequest(schema.undecodable)
  const causes: Cause[] = [...schema.causes]
  validateMeta(type, obj, old, causes)
  const kindRule = rules[type.kind]
  if (kindRule) kindRule(obj, old, causes)
  return causes
}

const asObject = (value: unknown): JsonObject => (isObject(value) ? value : {})
const asArray = (value: unknown): Json[] => (Array.isArray(value) ? value : [])
const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)

const nameRule = (type: ResourceType): ((name: string) => string[]) => {
  switch (type.kind) {
    case "Namespace":
      return Names.dns1123Label
    case "Service":
      return Names.dns1035Label
    case "Role":
    case "RoleBinding":
    case "ClusterRole":
    case "ClusterRoleBinding":
      return Names.pathSegment
    case "CronJob":
      return (name) => [
        ...Names.dns1123Subdomain(name),
        ...(name.length > 52 ? ["must be no more than 52 characters"] : []),
      ]
    case "Job":
      return (name) => [
        ...Names.dns1123Subdomain(name),
        ...(name.length > 63 ? ["must be no more than 63 characters"] : []),
      ]
    default:
      return Names.dns1123Subdomain
  }
}

const validateMeta = (type: ResourceType, obj: KObject, old: KObject | undefined, causes: Cause[]) => {
  const name = obj.metadata.name
  if (!name) causes.push(required("metadata.name", "name or generateName is required"))
  else for (const problem of nameRule(type)(name)) causes.push(invalidValue("metadata.name", name, problem))
  validateLabels(obj.metadata.labels, "metadata.labels", causes)
  for (const key of Object.keys(obj.metadata.annotations ?? {})) {
    const problem = labelKeyProblem(key.toLowerCase())
    if (problem) causes.push(invalidValue("metadata.annotations", key, problem))
  }
  const annotationBytes = JSON.stringify(obj.metadata.annotations ?? {}).length
  if (annotationBytes > 262144) causes.push(tooLong("metadata.annotations", 262144))
  const finalizers = obj.metadata.finalizers ?? []
  finalizers.forEach((finalizer, i) => {
    if (!finalizer.includes("/") && !["kubernetes", "orphan", "foregroundDeletion"].includes(finalizer)) {
      const problem = labelKeyProblem(finalizer)
      if (problem) causes.push(invalidValue(`metadata.finalizers[${i}]`, finalizer, problem))
    }
  })
  if (old?.metadata.deletionTimestamp) {
    const before = new Set(old.metadata.finalizers ?? [])
    for (const [i, finalizer] of finalizers.entries()) {
      if (!before.has(finalizer))
        causes.push(
          forbidden(
            `metadata.finalizers[${i}]`,
            `no new finalizers can be added if the object is being deleted, found new finalizers []string{"${finalizer}"}`,
          ),
        )
    }
  }
  ;(obj.metadata.ownerReferences ?? []).forEach((ref, i) => {
    const at = `metadata.ownerReferences[${i}]`
    if (!ref.apiVersion)
      causes.push(invalidValue(`${at}.apiVersion`, ref.apiVersion ?? "", "version must not be empty"))
    if (!ref.kind) causes.push(invalidValue(`${at}.kind`, ref.kind ?? "", "kind must not be empty"))
    if (!ref.name) causes.push(invalidValue(`${at}.name`, ref.name ?? "", "name must not be empty"))
    if (!ref.uid) causes.push(invalidValue(`${at}.uid`, ref.uid ?? "", "uid must not be empty"))
  })
  if ((obj.metadata.ownerReferences ?? []).filter((r) => r.controller === true).length > 1)
    causes.push(
      invalidValue(
        "metadata.ownerReferences",
        obj.metadata.ownerReferences,
        "Only one reference can have Controller set to true.",
      ),
    )
}

const validateLabels = (labels: unknown, field: string, causes: Cause[]) => {
  for (const [key, value] of Object.entries(asObject(labels))) {
    const keyProblem = labelKeyProblem(key)
    if (keyProblem) causes.push(invalidValue(field, key, keyProblem))
    if (typeof value !== "string") continue
    const valueProblem = labelValueProblem(value)
    if (valueProblem) causes.push(invalidValue(field, value, valueProblem))
  }
}

const validateSelector = (selector: JsonObject, field: string, causes: Cause[]) => {
  validateLabels(selector.matchLabels, `${field}.matchLabels`, causes)
  asArray(selector.matchExpressions).forEach((expr, i) => {
    const e = asObject(expr)
    const at = `${field}.matchExpressions[${i}]`
    const op = asString(e.operator)
    if (!op || !["In", "NotIn", "Exists", "DoesNotExist"].includes(op))
      causes.push(notSupported(`${at}.operator`, op ?? "", ["In", "NotIn", "Exists", "DoesNotExist"]))
    const values = asArray(e.values)
    if ((op === "In" || op === "NotIn") && values.length === 0)
      causes.push(required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"))
    if ((op === "Exists" || op === "DoesNotExist") && values.length > 0)
      causes.push(forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
  })
}

const nonNegative = (value: unknown, field: string, causes: Cause[]) => {
  if (value === undefined) return
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    causes.push(invalidValue(field, value, "must be greater than or equal to 0"))
}

const intOrPercent = (value: unknown, field: string, causes: Cause[]): number | string | undefined => {
  if (value === undefined) return undefined
  if (typeof value === "number") {
    if (value < 0) causes.push(invalidValue(field, value, "must be greater than or equal to 0"))
    return value
  }
  if (typeof value === "string") {
    if (!/^[0-9]+%$/.test(value)) {
      causes.push(
        invalidValue(
          field,
          value,
          "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        ),
      )
      return undefined
    }
    if (Number.parseInt(value, 10) > 100) causes.push(invalidValue(field, value, "must not be greater than 100%"))
    return value
  }
  return undefined
}

const isZero = (value: number | string | undefined) => value === 0 || value === "0%"

const probeHandlers = ["exec", "httpGet", "tcpSocket", "grpc"] as const

const validateProbe = (probe: unknown, field: string, kind: "liveness" | "readiness" | "startup", causes: Cause[]) => {
  if (probe === undefined) return
  const p = asObject(probe)
  const handlers = probeHandlers.filter((h) => p[h] !== undefined)
  if (handlers.length === 0) causes.push(required(field, "must specify a handler type"))
  if (handlers.length > 1) causes.push(forbidden(`${field}.${handlers[1]}`, "may not specify more than 1 handler type"))
  for (const n of [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
  ] as const)
    nonNegative(p[n], `${field}.${n}`, causes)
  if (kind !== "readiness" && p.successThreshold !== undefined && p.successThreshold !== 1)
    causes.push(invalidValue(`${field}.successThreshold`, p.successThreshold, "must be 1"))
  const port =
    p.httpGet !== undefined
      ? asObject(p.httpGet).port
      : p.tcpSocket !== undefined
        ? asObject(p.tcpSocket).port
        : undefined
  const handler = p.httpGet !== undefined ? "httpGet" : "tcpSocket"
  if ((p.httpGet !== undefined || p.tcpSocket !== undefined) && port === undefined)
    causes.push(required(`${field}.${handler}.port`))
  if (typeof port === "number" && (port < 1 || port > 65535))
    causes.push(invalidValue(`${field}.${handler}.port`, port, "must be between 1 and 65535, inclusive"))
  if (p.grpc !== undefined) {
    const grpcPort = asObject(p.grpc).port
    if (typeof grpcPort !== "number" || grpcPort < 1 || grpcPort > 65535)
      causes.push(invalidValue(`${field}.grpc.port`, grpcPort ?? 0, "must be between 1 and 65535, inclusive"))
  }
}

const validateContainer = (c: JsonObject, field: string, volumes: Set<string>, causes: Cause[], names: Set<string>) => {
  const name = asString(c.name)
  if (name) {
    for (const problem of Names.dns1123Label(name)) causes.push(invalidValue(`${field}.name`, name, problem))
    if (names.has(name)) causes.push(duplicate(`${field}.name`, name))
    names.add(name)
  }
  if (!asString(c.image)) causes.push(required(`${field}.image`))
  const portNames = new Set<string>()
  asArray(c.ports).forEach((port, i) => {
    const p = asObject(port)
    const at = `${field}.ports[${i}]`
    const n = p.containerPort
    if (typeof n === "number" && (n < 1 || n > 65535))
      causes.push(invalidValue(`${at}.containerPort`, n, "must be between 1 and 65535, inclusive"))
    const pn = asString(p.name)
    if (pn !== undefined) {
      for (const problem of Names.portName(pn)) causes.push(invalidValue(`${at}.name`, pn, problem))
      if (portNames.has(pn)) causes.push(duplicate(`${at}.name`, pn))
      portNames.add(pn)
    }
  })
  asArray(c.env).forEach((env, i) => {
    const e = asObject(env)
    const n = asString(e.name)
    if (n) for (const problem of Names.envVarName(n)) causes.push(invalidValue(`${field}.env[${i}].name`, n, problem))
    if (e.value !== undefined && e.valueFrom !== undefined)
      causes.push(invalidValue(`${field}.env[${i}].valueFrom`, "", "may not be specified when `value` is not empty"))
  })
  asArray(c.volumeMounts).forEach((mount, i) => {
    const m = asObject(mount)
    const n = asString(m.name)
    if (n && !volumes.has(n))
      causes.push({
        reason: "FieldValueNotFound",
        message: `Not found: "${n}"`,
        field: `${field}.volumeMounts[${i}].name`,
      })
  })
  validateProbe(c.livenessProbe, `${field}.livenessProbe`, "liveness", causes)
  validateProbe(c.readinessProbe, `${field}.readinessProbe`, "readiness", causes)
  validateProbe(c.startupProbe, `${field}.startupProbe`, "startup", causes)
  const resources = asObject(c.resources)
  for (const [resource, limit] of Object.entries(asObject(resources.limits))) {
    const request = asObject(resources.requests)[resource]
    if (request !== undefined && quantity(request) > quantity(limit))
      causes.push(
        invalidValue(
          `${field}.resources.requests`,
          request,
          `must be less than or equal to ${resource} limit of ${String(limit)}`,
        ),
      )
  }
  for (const [group, values] of [
    ["limits", resources.limits],
    ["requests", resources.requests],
  ] as const)
    for (const [resource, value] of Object.entries(asObject(values)))
      if (Number.isNaN(quantity(value)))
        causes.push(
          invalidValue(
            `${field}.resources.${group}[${resource}]`,
            value,
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
          ),
        )
}

const validatePodSpec = (spec: unknown, field: string, causes: Cause[], restartPolicies?: ReadonlyArray<string>) => {
  const s = asObject(spec)
  const volumes = new Set<string>()
  asArray(s.volumes).forEach((volume, i) => {
    const n = asString(asObject(volume).name)
    if (n) {
      for (const problem of Names.dns1123Label(n)) causes.push(invalidValue(`${field}.volumes[${i}].name`, n, problem))
      if (volumes.has(n)) causes.push(duplicate(`${field}.volumes[${i}].name`, n))
      volumes.add(n)
    }
  })
  const containers = asArray(s.containers)
  const names = new Set<string>()
  containers.forEach((c, i) => {
    validateContainer(asObject(c), `${field}.containers[${i}]`, volumes, causes, names)
  })
  asArray(s.initContainers).forEach((c, i) => {
    validateContainer(asObject(c), `${field}.initContainers[${i}]`, volumes, causes, names)
  })
  const policy = asString(s.restartPolicy)
  if (restartPolicies && policy !== undefined && !restartPolicies.includes(policy))
    causes.push(notSupported(`${field}.restartPolicy`, policy, restartPolicies))
  nonNegative(s.terminationGracePeriodSeconds, `${field}.terminationGracePeriodSeconds`, causes)
  const sa = asString(s.serviceAccountName)
  if (sa)
    for (const problem of Names.dns1123Subdomain(sa))
      causes.push(invalidValue(`${field}.serviceAccountName`, sa, problem))
}

const validateTemplate = (
  spec: JsonObject,
  field: string,
  selector: JsonObject | undefined,
  causes: Cause[],
  restartPolicies?: ReadonlyArray<string>,
) => {
  const template = asObject(spec.template)
  if (spec.template === undefined) return
  const labels = asObject(asObject(template.metadata).labels)
  validateLabels(labels, `${field}.template.metadata.labels`, causes)
  if (selector !== undefined) {
    const sel = fromLabelSelector(selector as never)
    if (sel.length > 0 && !matches(sel, labels as Record<string, string>))
      causes.push(
        invalidValue(`${field}.template.metadata.labels`, labels, "`selector` does not match template `labels`"),
      )
  }
  validatePodSpec(template.spec, `${field}.template.spec`, causes, restartPolicies)
}

const immutable = (obj: JsonObject, old: JsonObject | undefined, path: string, causes: Cause[]) => {
  if (old === undefined) return
  const parts = path.split(".")
  const before = getPath(old, parts)
  const after = getPath(obj, parts)
  if (before !== undefined && !deepEqual(before, after))
    causes.push(invalidValue(path, after ?? null, "field is immutable"))
}

const validateReplicated = (
  obj: JsonObject,
  old: JsonObject | undefined,
  causes: Cause[],
  what: "deployment" | "replicaset",
) => {
  const spec = asObject(obj.spec)
  if (obj.spec === undefined) {
    causes.push(required("spec"))
    return
  }
  nonNegative(spec.replicas, "spec.replicas", causes)
  nonNegative(spec.minReadySeconds, "spec.minReadySeconds", causes)
  const selector = spec.selector
  if (selector !== undefined) {
    const sel = asObject(selector)
    if (Object.keys(asObject(sel.matchLabels)).length === 0 && asArray(sel.matchExpressions).length === 0)
      causes.push(invalidValue("spec.selector", selector, `empty selector is invalid for ${what}`))
    validateSelector(sel, "spec.selector", causes)
  }
  validateTemplate(spec, "spec", selector === undefined ? undefined : asObject(selector), causes, ["Always"])
  immutable(obj, old, "spec.selector", causes)
  if (what === "deployment") {
    nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit", causes)
    const strategy = asObject(spec.strategy)
    const type = asString(strategy.type)
    if (type === "Recreate" && strategy.rollingUpdate !== undefined)
      causes.push(forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"))
    const rolling = asObject(strategy.rollingUpdate)
    const surge = intOrPercent(rolling.maxSurge, "spec.strategy.rollingUpdate.maxSurge", causes)
    const unavailable = intOrPercent(rolling.maxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable", causes)
    if (isZero(surge) && isZero(unavailable))
      causes.push(
        invalidValue(
          "spec.strategy.rollingUpdate.maxUnavailable",
          unavailable ?? 0,
          "may not be 0 when `maxSurge` is 0",
        ),
      )
    const deadline = spec.progressDeadlineSeconds
    if (deadline !== undefined) {
      nonNegative(deadline, "spec.progressDeadlineSeconds", causes)
      if (typeof deadline === "number" && deadline <= ((spec.minReadySeconds as number | undefined) ?? 0))
        causes.push(invalidValue("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
    }
  }
}

const validateService = (obj: JsonObject, old: JsonObject | undefined, causes: Cause[]) => {
  const spec = asObject(obj.spec)
  const type = asString(spec.type) ?? "ClusterIP"
  const headless = spec.clusterIP === "None"
  const ports = asArray(spec.ports)
  if (ports.length === 0 && type !== "ExternalName" && !headless) causes.push(required("spec.ports"))
  const seen = new Set<string>()
  const names = new Set<string>()
  ports.forEach((port, i) => {
    const p = asObject(port)
    const at = `spec.ports[${i}]`
    const name = asString(p.name)
    if (ports.length > 1 && !name) causes.push(required(`${at}.name`))
    if (name) {
      for (const problem of Names.dns1123Label(name)) causes.push(invalidValue(`${at}.name`, name, problem))
      if (names.has(name)) causes.push(duplicate(`${at}.name`, name))
      names.add(name)
    }
    const n = p.port
    if (typeof n === "number" && (n < 1 || n > 65535))
      causes.push(invalidValue(`${at}.port`, n, "must be between 1 and 65535, inclusive"))
    const protocol = asString(p.protocol) ?? "TCP"
    const key = `${String(n)}/${protocol}`
    if (seen.has(key)) causes.push(duplicate(at, { port: n, protocol }))
    seen.add(key)
    const target = p.targetPort
    if (typeof target === "number" && (target < 1 || target > 65535))
      causes.push(invalidValue(`${at}.targetPort`, target, "must be between 1 and 65535, inclusive"))
    if (typeof target === "string")
      for (const problem of Names.portName(target)) causes.push(invalidValue(`${at}.targetPort`, target, problem))
  })
  validateLabels(spec.selector, "spec.selector", causes)
  if (old !== undefined) {
    const before = getPath(old, ["spec", "clusterIP"])
    const after = spec.clusterIP
    if (before !== undefined && before !== "" && after !== undefined && after !== before)
      causes.push(invalidValue("spec.clusterIPs[0]", after, "may not change once set"))
  }
}

const validateData = (obj: JsonObject, old: JsonObject | undefined, causes: Cause[], secret: boolean) => {
  for (const field of secret ? ["data", "stringData"] : ["data", "binaryData"]) {
    for (const key of Object.keys(asObject(obj[field])))
      for (const problem of Names.configMapKey(key)) causes.push(invalidValue(`${field}[${key}]`, key, problem))
  }
  if (secret) {
    for (const [key, value] of Object.entries(asObject(obj.data))) {
      if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
        causes.push(invalidValue(`data[${key}]`, "<redacted>", "must be base64-encoded"))
    }
    const size = Object.values(asObject(obj.data)).reduce<number>(
      (n, v) => n + (typeof v === "string" ? (v.length * 3) / 4 : 0),
      0,
    )
    if (size > 1024 * 1024) causes.push(tooLong("data", 1024 * 1024))
    immutable(obj, old, "type", causes)
  }
  if (old !== undefined && old.immutable === true) {
    if (obj.immutable !== true) causes.push(forbidden("immutable", "field is immutable when `immutable` is set"))
    for (const field of ["data", "binaryData"])
      if (!deepEqual(old[field], obj[field]))
        causes.push(forbidden(field, "field is immutable when `immutable` is set"))
  }
}

const validatePvc = (obj: JsonObject, old: JsonObject | undefined, causes: Cause[]) => {
  const spec = asObject(obj.spec)
  const modes = asArray(spec.accessModes)
  if (modes.length === 0) causes.push(required("spec.accessModes", "at least 1 access mode is required"))
  const storage = asObject(asObject(spec.resources).requests).storage
  if (storage === undefined) causes.push(required("spec.resources[storage]"))
  else if (!(quantity(storage) > 0))
    causes.push(invalidValue("spec.resources[storage]", storage, "must be greater than zero"))
  if (old !== undefined) {
    const strip = (s: JsonObject) => {
      const { resources: _r, volumeAttributesClassName: _v, volumeName: _n, ...rest } = s
      return rest
    }
    const oldSpec = asObject(old.spec)
    if (!deepEqual(strip(spec), strip(oldSpec)))
      causes.push(
        forbidden(
          "spec",
          "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
        ),
      )
    const before = quantity(asObject(asObject(oldSpec.resources).requests).storage)
    const after = quantity(storage)
    if (after < before)
      causes.push(forbidden("spec.resources.requests.storage", "field can not be less than previous value"))
    if (oldSpec.volumeName && spec.volumeName !== oldSpec.volumeName)
      causes.push(
        forbidden(
          "spec",
          "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
        ),
      )
  }
}

const validateJob = (obj: JsonObject, old: JsonObject | undefined, causes: Cause[]) => {
  const spec = asObject(obj.spec)
  for (const n of ["parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"])
    nonNegative(spec[n], `spec.${n}`, causes)
  if (spec.activeDeadlineSeconds === 0)
    causes.push(invalidValue("spec.activeDeadlineSeconds", 0, "must be greater than 0"))
  const selector = spec.selector === undefined ? undefined : asObject(spec.selector)
  validateTemplate(spec, "spec", selector, causes, ["OnFailure", "Never"])
  const restart = asString(getPath(spec, ["template", "spec", "restartPolicy"]))
  if (restart === undefined || restart === "Always")
    causes.push(required("spec.template.spec.restartPolicy", 'valid values: "OnFailure", "Never"'))
  immutable(obj, old, "spec.selector", causes)
  immutable(obj, old, "spec.template", causes)
  immutable(obj, old, "spec.completions", causes)
  immutable(obj, old, "spec.completionMode", causes)
}

const validateCronJob = (obj: JsonObject, _old: JsonObject | undefined, causes: Cause[]) => {
  const spec = asObject(obj.spec)
  const schedule = asString(spec.schedule)
  if (schedule !== undefined && !isValidSchedule(schedule))
    causes.push(invalidValue("spec.schedule", schedule, `unparseable schedule "${schedule}"`))
  for (const n of ["startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"])
    nonNegative(spec[n], `spec.${n}`, causes)
  const jobSpec = asObject(asObject(spec.jobTemplate).spec)
  if (spec.jobTemplate !== undefined) {
    validateTemplate(jobSpec, "spec.jobTemplate.spec", undefined, causes, ["OnFailure", "Never"])
    const restart = asString(getPath(jobSpec, ["template", "spec", "restartPolicy"]))
    if (restart === undefined || restart === "Always")
      causes.push(required("spec.jobTemplate.spec.template.spec.restartPolicy", 'valid values: "OnFailure", "Never"'))
  }
}

const validateHpa = (obj: JsonObject, _old: JsonObject | undefined, causes: Cause[]) => {
  const spec = asObject(obj.spec)
  const max = spec.maxReplicas
  const min = spec.minReplicas
  if (typeof max === "number" && max < 1)
    causes.push(invalidValue("spec.maxReplicas", max, "must be greater than or equal to 1"))
  if (min !== undefined && (typeof min !== "number" || min < 1))
    causes.push(invalidValue("spec.minReplicas", min, "must be greater than or equal to 1"))
  if (typeof max === "number" && typeof min === "number" && max < min)
    causes.push(invalidValue("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"))
  asArray(spec.metrics).forEach((metric, i) => {
    const m = asObject(metric)
    const at = `spec.metrics[${i}]`
    const type = asString(m.type)
    const types = ["ContainerResource", "External", "Object", "Pods", "Resource"]
    if (type !== undefined && !types.includes(type)) causes.push(notSupported(`${at}.type`, type, types))
    if (type === "Resource") {
      const resource = asObject(m.resource)
      const target = asObject(resource.target)
      const targetType = asString(target.type)
      if (targetType !== undefined && !["Utilization", "Value", "AverageValue"].includes(targetType))
        causes.push(
          notSupported(`${at}.resource.target.type`, targetType ?? "", ["AverageValue", "Utilization", "Value"]),
        )
      if (targetType === "Utilization") {
        const u = target.averageUtilization
        if (typeof u !== "number" || u < 1)
          causes.push(invalidValue(`${at}.resource.target.averageUtilization`, u ?? 0, "must be greater than 0"))
      }
    }
  })
}

const validateNetworkPolicy = (obj: JsonObject, _old: JsonObject | undefined, causes: Cause[]) => {
  const spec = asObject(obj.spec)
  validateSelector(asObject(spec.podSelector), "spec.podSelector", causes)
  for (const direction of ["ingress", "egress"] as const) {
    asArray(spec[direction]).forEach((rule, i) => {
      const r = asObject(rule)
      const peers = asArray(direction === "ingress" ? r.from : r.to)
      peers.forEach((peer, j) => {
        const p = asObject(peer)
        const at = `spec.${direction}[${i}].${direction === "ingress" ? "from" : "to"}[${j}]`
        if (p.podSelector === undefined && p.namespaceSelector === undefined && p.ipBlock === undefined)
          causes.push(required(at, "must specify a peer"))
        if (p.ipBlock !== undefined && (p.podSelector !== undefined || p.namespaceSelector !== undefined))
          causes.push(forbidden(at, "may not specify both ipBlock and another peer"))
        if (p.podSelector !== undefined) validateSelector(asObject(p.podSelector), `${at}.podSelector`, causes)
        if (p.namespaceSelector !== undefined)
          validateSelector(asObject(p.namespaceSelector), `${at}.namespaceSelector`, causes)
      })
      asArray(r.ports).forEach((port, j) => {
        const p = asObject(port)
        const protocol = p.protocol
        if (protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(String(protocol)))
          causes.push(notSupported(`spec.${direction}[${i}].ports[${j}].protocol`, protocol, ["SCTP", "TCP", "UDP"]))
      })
    })
  }
}

// The Gateway API CRDs' CEL rules (x-kubernetes-validations), which the generated validators do not carry.
const validateRoute = (obj: JsonObject, _old: JsonObject | undefined, causes: Cause[]) => {
  asArray(asObject(obj.spec).rules).forEach((rule, i) => {
    const r = asObject(rule)
    asArray(r.matches).forEach((match, j) => {
      const path = asObject(asObject(match).path)
      const type = asString(path.type) ?? "PathPrefix"
      const value = asString(path.value) ?? "/"
      if ((type === "Exact" || type === "PathPrefix") && !value.startsWith("/"))
        causes.push(
          invalidValue(
            `spec.rules[${i}].matches[${j}].path`,
            path,
            "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
          ),
        )
    })
    asArray(r.backendRefs).forEach((ref, j) => {
      const b = asObject(ref)
      const kind = asString(b.kind) ?? "Service"
      const group = asString(b.group) ?? ""
      if (kind === "Service" && group === "" && b.port === undefined)
        causes.push(invalidValue(`spec.rules[${i}].backendRefs[${j}]`, b, "Must have port for Service reference"))
    })
  })
}

const validatePod = (obj: JsonObject, old: JsonObject | undefined, causes: Cause[]) => {
  validatePodSpec(obj.spec, "spec", causes)
  if (old !== undefined) {
    const strip = (spec: unknown) => {
      const s = { ...asObject(spec) }
      s.containers = asArray(s.containers).map((c) => ({ ...asObject(c), image: null }))
      delete s.activeDeadlineSeconds
      delete s.tolerations
      // Binding sets nodeName once; after that it is as fixed as the rest.
      if (!asObject(old.spec).nodeName) delete s.nodeName
      return s
    }
    if (!deepEqual(strip(obj.spec), strip(old.spec)))
      causes.push(
        forbidden(
          "spec",
          "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
        ),
      )
  }
}

const validateEndpointSlice = (obj: JsonObject, old: JsonObject | undefined, causes: Cause[]) => {
  immutable(obj, old, "addressType", causes)
}

const validateBinding = (obj: JsonObject, old: JsonObject | undefined, causes: Cause[]) => {
  const ref = asObject(obj.roleRef)
  if (ref.kind !== undefined && ref.kind !== "Role" && ref.kind !== "ClusterRole")
    causes.push(notSupported("roleRef.kind", ref.kind, ["ClusterRole", "Role"]))
  if (old !== undefined && !deepEqual(old.roleRef, obj.roleRef))
    causes.push(invalidValue("roleRef", obj.roleRef ?? null, "cannot change roleRef"))
}

const rules: Record<string, (obj: JsonObject, old: JsonObject | undefined, causes: Cause[]) => void> = {
  RoleBinding: validateBinding,
  ClusterRoleBinding: validateBinding,
  Deployment: (obj, old, causes) => validateReplicated(obj, old, causes, "deployment"),
  ReplicaSet: (obj, old, causes) => validateReplicated(obj, old, causes, "replicaset"),
  Pod: validatePod,
  Service: validateService,
  Secret: (obj, old, causes) => validateData(obj, old, causes, true),
  ConfigMap: (obj, old, causes) => validateData(obj, old, causes, false),
  PersistentVolumeClaim: validatePvc,
  Job: validateJob,
  CronJob: validateCronJob,
  HorizontalPodAutoscaler: validateHpa,
  NetworkPolicy: validateNetworkPolicy,
  HTTPRoute: validateRoute,
  EndpointSlice: validateEndpointSlice,
}
