import { deepEqual, getPath, type JsonObject } from "../Json.ts"
import { quantity } from "../Quantity.ts"
import { isValidSchedule } from "../Schedule.ts"
import { asArray, asObject, asString, immutable, nonNegative, validateLabels, validateSelector } from "./FieldRules.ts"
import * as Names from "./Names.ts"
import { fromLabelSelector, matches } from "./Selectors.ts"
import { type Cause, duplicate, forbidden, invalidValue, notSupported, required } from "./Status.ts"

/**
 * What the API server refuses in pods and the workloads that template them (Deployment, ReplicaSet, Job, CronJob)
 * and in autoscalers, beyond their schemas: names, ranges, probe handlers, restart policies per workload, selector and
 * template agreement, surge limits, immutable fields.
 */

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

export const validateReplicated = (
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

export const validateJob = (obj: JsonObject, old: JsonObject | undefined, causes: Cause[]) => {
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

export const validateCronJob = (obj: JsonObject, _old: JsonObject | undefined, causes: Cause[]) => {
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

export const validateHpa = (obj: JsonObject, _old: JsonObject | undefined, causes: Cause[]) => {
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

export const validatePod = (obj: JsonObject, old: JsonObject | undefined, causes: Cause[]) => {
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
