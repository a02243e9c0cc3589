import { deepEqual, getPath, type JsonObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import { quantity } from "../Quantity.ts"
import { asArray, asObject, asString, immutable, validateLabels, validateSelector } from "./FieldRules.ts"
import * as Names from "./Names.ts"
import { checkSchema } from "./OpenApi.ts"
import type { ResourceType } from "./Registry.ts"
import { labelKeyProblem } from "./Selectors.ts"
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
import { validateCronJob, validateHpa, validateJob, validatePod, validateReplicated } from "./WorkloadValidation.ts"

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
