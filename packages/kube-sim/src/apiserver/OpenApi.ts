import { validate as referenceGrant } from "@kubernetes-models/gateway-api/_schemas/IoK8sSigsGatewayApiApisV1beta1ReferenceGrant"
import { validate as gateway } from "@kubernetes-models/gateway-api/_schemas/IoK8sSigsGatewayApiApisV1Gateway"
import { validate as gatewayClass } from "@kubernetes-models/gateway-api/_schemas/IoK8sSigsGatewayApiApisV1GatewayClass"
import { validate as grpcRoute } from "@kubernetes-models/gateway-api/_schemas/IoK8sSigsGatewayApiApisV1GRPCRoute"
import { validate as httpRoute } from "@kubernetes-models/gateway-api/_schemas/IoK8sSigsGatewayApiApisV1HTTPRoute"
import { validate as validatingAdmissionPolicy } from "kubernetes-models/_schemas/IoK8sApiAdmissionregistrationV1ValidatingAdmissionPolicy"
import { validate as validatingAdmissionPolicyBinding } from "kubernetes-models/_schemas/IoK8sApiAdmissionregistrationV1ValidatingAdmissionPolicyBinding"
import { validate as controllerRevision } from "kubernetes-models/_schemas/IoK8sApiAppsV1ControllerRevision"
import { validate as daemonSet } from "kubernetes-models/_schemas/IoK8sApiAppsV1DaemonSet"
import { validate as deployment } from "kubernetes-models/_schemas/IoK8sApiAppsV1Deployment"
import { validate as replicaSet } from "kubernetes-models/_schemas/IoK8sApiAppsV1ReplicaSet"
import { validate as statefulSet } from "kubernetes-models/_schemas/IoK8sApiAppsV1StatefulSet"
import { validate as horizontalPodAutoscaler } from "kubernetes-models/_schemas/IoK8sApiAutoscalingV2HorizontalPodAutoscaler"
import { validate as cronJob } from "kubernetes-models/_schemas/IoK8sApiBatchV1CronJob"
import { validate as job } from "kubernetes-models/_schemas/IoK8sApiBatchV1Job"
import { validate as lease } from "kubernetes-models/_schemas/IoK8sApiCoordinationV1Lease"
import { validate as configMap } from "kubernetes-models/_schemas/IoK8sApiCoreV1ConfigMap"
import { validate as endpoints } from "kubernetes-models/_schemas/IoK8sApiCoreV1Endpoints"
import { validate as event } from "kubernetes-models/_schemas/IoK8sApiCoreV1Event"
import { validate as limitRange } from "kubernetes-models/_schemas/IoK8sApiCoreV1LimitRange"
import { validate as namespace } from "kubernetes-models/_schemas/IoK8sApiCoreV1Namespace"
import { validate as node } from "kubernetes-models/_schemas/IoK8sApiCoreV1Node"
import { validate as persistentVolume } from "kubernetes-models/_schemas/IoK8sApiCoreV1PersistentVolume"
import { validate as persistentVolumeClaim } from "kubernetes-models/_schemas/IoK8sApiCoreV1PersistentVolumeClaim"
import { validate as pod } from "kubernetes-models/_schemas/IoK8sApiCoreV1Pod"
import { validate as resourceQuota } from "kubernetes-models/_schemas/IoK8sApiCoreV1ResourceQuota"
import { validate as secret } from "kubernetes-models/_schemas/IoK8sApiCoreV1Secret"
import { validate as service } from "kubernetes-models/_schemas/IoK8sApiCoreV1Service"
import { validate as serviceAccount } from "kubernetes-models/_schemas/IoK8sApiCoreV1ServiceAccount"
import { validate as endpointSlice } from "kubernetes-models/_schemas/IoK8sApiDiscoveryV1EndpointSlice"
import { validate as customResourceDefinition } from "kubernetes-models/_schemas/IoK8sApiextensionsApiserverPkgApisApiextensionsV1CustomResourceDefinition"
import { validate as ingress } from "kubernetes-models/_schemas/IoK8sApiNetworkingV1Ingress"
import { validate as ingressClass } from "kubernetes-models/_schemas/IoK8sApiNetworkingV1IngressClass"
import { validate as networkPolicy } from "kubernetes-models/_schemas/IoK8sApiNetworkingV1NetworkPolicy"
import { validate as podDisruptionBudget } from "kubernetes-models/_schemas/IoK8sApiPolicyV1PodDisruptionBudget"
import { validate as clusterRole } from "kubernetes-models/_schemas/IoK8sApiRbacV1ClusterRole"
import { validate as clusterRoleBinding } from "kubernetes-models/_schemas/IoK8sApiRbacV1ClusterRoleBinding"
import { validate as role } from "kubernetes-models/_schemas/IoK8sApiRbacV1Role"
import { validate as roleBinding } from "kubernetes-models/_schemas/IoK8sApiRbacV1RoleBinding"
import { validate as storageClass } from "kubernetes-models/_schemas/IoK8sApiStorageV1StorageClass"
import type { KObject } from "../Objects.ts"
import type { ResourceType } from "./Registry.ts"
import { type Cause, invalidValue, notSupported, required } from "./Status.ts"

/**
 * The upstream OpenAPI schemas of the kinds kube-sim serves, as the validators `kubernetes-models` (built-in kinds)
 * and `@kubernetes-models/gateway-api` (Gateway API CRDs) generate from them: what is required, which values an
 * enum allows, each field's type, and for the CRDs the patterns, bounds and list sizes their schemas declare.
 * Kinds without a published model (VolumeSnapshot*, Kyverno policies) are served unchecked.
 */

/** One failure as an Ajv standalone validator reports it. */
export interface SchemaError {
  readonly instancePath: string
  readonly keyword: string
  readonly params: Readonly<Record<string, unknown>>
}

export type Validator = ((data: unknown) => boolean) & { errors?: ReadonlyArray<SchemaError> | null }

// The registry serves one version of each kind, so the kind names its schema.
const validators: Readonly<Record<string, Validator>> = {
  Namespace: namespace,
  Pod: pod,
  Service: service,
  Secret: secret,
  ConfigMap: configMap,
  ServiceAccount: serviceAccount,
  PersistentVolumeClaim: persistentVolumeClaim,
  PersistentVolume: persistentVolume,
  Endpoints: endpoints,
  Event: event,
  ResourceQuota: resourceQuota,
  LimitRange: limitRange,
  Node: node,
  Deployment: deployment,
  ReplicaSet: replicaSet,
  StatefulSet: statefulSet,
  DaemonSet: daemonSet,
  ControllerRevision: controllerRevision,
  Job: job,
  CronJob: cronJob,
  HorizontalPodAutoscaler: horizontalPodAutoscaler,
  NetworkPolicy: networkPolicy,
  Ingress: ingress,
  IngressClass: ingressClass,
  EndpointSlice: endpointSlice,
  Lease: lease,
  StorageClass: storageClass,
  PodDisruptionBudget: podDisruptionBudget,
  Role: role,
  RoleBinding: roleBinding,
  ClusterRole: clusterRole,
  ClusterRoleBinding: clusterRoleBinding,
  ValidatingAdmissionPolicy: validatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding: validatingAdmissionPolicyBinding,
  CustomResourceDefinition: customResourceDefinition,
  GatewayClass: gatewayClass,
  Gateway: gateway,
  HTTPRoute: httpRoute,
  GRPCRoute: grpcRoute,
  ReferenceGrant: referenceGrant,
}

export const validatorFor = (type: ResourceType): Validator | undefined => validators[type.kind]

/** `/spec/template/spec/containers/0/name` as a field path: `spec.template.spec.containers[0].name`. */
export const fieldOf = (pointer: string): string =>
  pointer
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), "")

const valueAt = (obj: unknown, pointer: string): unknown =>
  pointer
    .split("/")
    .slice(1)
    .reduce<unknown>(
      (value, part) => (typeof value === "object" && value !== null ? Reflect.get(value, part) : undefined),
      obj,
    )

const child = (field: string, member: string) => (field ? `${field}.${member}` : member)

const jsonType = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value

export interface SchemaResult {
  /** What the API server answers with 422: missing required fields, values outside an enum or a CRD's bounds. */
  readonly causes: Cause[]
  /** A value of the wrong type in a built-in kind: the API server cannot decode it (400). */
  readonly undecodable: string | undefined
}

/**
 * Checks `obj` (defaulted, as validation sees it) against its kind's schema. The status is left out: a status is
 * written by controllers through `/status`, and the API server does not check it against the schema.
 */
export const checkSchema = (type: ResourceType, obj: KObject): SchemaResult => {
  const validate = validatorFor(type)
  if (validate === undefined) return { causes: [], undecodable: undefined }
  const { status: _status, ...rest } = obj
  if (validate(rest)) return { causes: [], undecodable: undefined }
  const causes: Cause[] = []
  let undecodable: string | undefined
  const seen = new Set<string>()
  for (const error of validate.errors ?? []) {
    const field = fieldOf(error.instancePath)
    const value = valueAt(rest, error.instancePath)
    const key = `${error.keyword} ${field} ${JSON.stringify(error.params)}`
    if (seen.has(key)) continue
    seen.add(key)
    const cause = causeOf(type, error, field, value)
    if (cause === "undecodable")
      undecodable ??= `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: json: cannot unmarshal ${jsonType(value)} into Go struct field ${field} of type ${String(error.params.type)}`
    else if (cause !== undefined) causes.push(cause)
  }
  return { causes, undecodable }
}

const causeOf = (
  type: ResourceType,
  error: SchemaError,
  field: string,
  value: unknown,
): Cause | "undecodable" | undefined => {
  const { keyword, params } = error
  switch (keyword) {
    case "required":
      return required(child(field, String(params.missingProperty)))
    case "enum":
      return notSupported(field, value, (params.allowedValues as ReadonlyArray<unknown>).map(String))
    case "type":
    case "format":
      // A built-in kind is decoded into Go structs, which refuse the body; a CRD's schema reports it as invalid.
      if (!type.custom) return "undecodable"
      return invalidValue(
        field,
        value,
        `${field} in body must be of type ${String(params.type ?? params.format)}: ${JSON.stringify(jsonType(value))}`,
      )
    case "pattern":
      return invalidValue(field, value, `${field} in body should match '${String(params.pattern)}'`)
    case "maximum":
      return invalidValue(field, value, `${field} in body should be less than or equal to ${String(params.limit)}`)
    case "minimum":
      return invalidValue(field, value, `${field} in body should be greater than or equal to ${String(params.limit)}`)
    case "maxLength":
      return {
        reason: "FieldValueTooLong",
        message: `Too long: may not be more than ${String(params.limit)} bytes`,
        field,
      }
    case "minLength":
      return invalidValue(field, value, `${field} in body should be at least ${String(params.limit)} chars long`)
    case "maxItems":
      return {
        reason: "FieldValueTooMany",
        message: `Too many: ${Array.isArray(value) ? value.length : "?"}: must have at most ${String(params.limit)} items`,
        field,
      }
    case "minItems":
      return invalidValue(field, value, `${field} in body should have at least ${String(params.limit)} items`)
    default:
      // anyOf/oneOf report again what their branches reported.
      return undefined
  }
}
