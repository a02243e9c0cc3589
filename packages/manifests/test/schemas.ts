import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1"
import { Ajv } from "ajv"
import {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from "kubernetes-models/admissionregistration.k8s.io/v1"
import { Deployment } from "kubernetes-models/apps/v1"
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2"
import { CronJob } from "kubernetes-models/batch/v1"
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1"
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1"
import { StorageClass } from "kubernetes-models/storage.k8s.io/v1"
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount } from "kubernetes-models/v1"
import { clusterPolicy, volumeSnapshotClass } from "./crdSchemas.ts"

/**
 * Validation of any object Starform writes against the upstream OpenAPI schema of its kind: the Kubernetes API's own
 * (`kubernetes-models`) and Gateway API's (`@kubernetes-models/gateway-api`). Kyverno and the CSI snapshotter publish
 * no npm models, so their two kinds are checked against `crdSchemas.ts`.
 */

interface Validating {
  validate(): void
}
type ModelClass = new (data: never) => Validating

const models: Record<string, ModelClass> = {
  "v1/Namespace": Namespace,
  "v1/Secret": Secret,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "apps/v1/Deployment": Deployment,
  "batch/v1/CronJob": CronJob,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "gateway.networking.k8s.io/v1/HTTPRoute": HTTPRoute,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "storage.k8s.io/v1/StorageClass": StorageClass,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": ValidatingAdmissionPolicy,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": ValidatingAdmissionPolicyBinding,
}

const ajv = new Ajv({ allErrors: true, strict: false })
const crds: Record<string, ReturnType<typeof ajv.compile>> = {
  "kyverno.io/v1/ClusterPolicy": ajv.compile(clusterPolicy),
  "snapshot.storage.k8s.io/v1/VolumeSnapshotClass": ajv.compile(volumeSnapshotClass),
}

/** What is wrong with `object` by its kind's schema; empty when it is valid. */
export const schemaErrors = (object: unknown): ReadonlyArray<string> => {
  const { apiVersion, kind } = (object ?? {}) as { apiVersion?: unknown; kind?: unknown }
  const key = `${String(apiVersion)}/${String(kind)}`
  const crd = crds[key]
  if (crd) {
    return crd(object) ? [] : (crd.errors ?? []).map((error) => `${key} ${error.instancePath} ${error.message}`)
  }
  const Model = models[key]
  if (!Model) return [`no schema known for ${key}`]
  try {
    new Model(object as never).validate()
    return []
  } catch (error) {
    return [`${key}: ${(error as Error).message}`]
  }
}
