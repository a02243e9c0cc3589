import { randomUUID } from "node:crypto"
import type { Cluster } from "../apiserver/Cluster.ts"
import type { ResourceType } from "../apiserver/Registry.ts"
import { ApiError } from "../apiserver/Status.ts"
import { isObject } from "../Json.ts"
import type { KObject } from "../Objects.ts"
import { quantity } from "../Quantity.ts"
import { type Context, controllerManager, list, spec, status, str, writeStatus } from "./Context.ts"
import { type Controller, nsKey, splitKey } from "./Runner.ts"

const protection = "kubernetes.io/pvc-protection"

/**
 * Admission for claims: the pvc-protection finalizer goes on at creation, and a claim may only grow, and only
 * when its StorageClass allows expansion.
 */
export const pvcAdmission = (type: ResourceType, next: KObject, old: KObject | undefined, cluster: Cluster): void => {
  if (type.kind !== "PersistentVolumeClaim") return
  if (!old) {
    const finalizers = next.metadata.finalizers ?? []
    if (!finalizers.includes(protection)) next.metadata.finalizers = [...finalizers, protection]
    return
  }
  if (quantity(requested(next)) > quantity(requested(old))) {
    const className = str(spec(old).storageClassName)
    const sc = className
      ? cluster.find(cluster.resource("storage.k8s.io/v1", "StorageClass"), undefined, className)
      : undefined
    if (sc?.allowVolumeExpansion !== true || !spec(old).volumeName)
      throw new ApiError(
        403,
        "Forbidden",
        `persistentvolumeclaims "${old.metadata.name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`,
        { name: old.metadata.name ?? "", kind: "persistentvolumeclaims" },
      )
  }
}

const requested = (pvc: KObject): string | undefined => {
  const resources = spec(pvc).resources
  const requests = isObject(resources) ? resources.requests : undefined
  return isObject(requests) ? str(requests.storage) : undefined
}

/**
 * The PersistentVolume binder and a CSI provisioner (DigitalOcean block storage by default): claims of an existing
 * class get a volume and become Bound after the provisioning delay (Immediate) or once a pod wants them
 * (WaitForFirstConsumer); a bigger request resizes the volume; protection holds a claim while pods use it.
 */
export class Volumes implements Controller {
  readonly name = "persistentvolume-controller"
  readonly triggers: Controller["triggers"]

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    this.triggers = [
      { resource: ctx.types.pvcs, keys: (event) => [nsKey(event.object)] },
      {
        resource: ctx.types.pods,
        keys: (event) =>
          list(spec(event.object).volumes).flatMap((v) =>
            isObject(v) && isObject(v.persistentVolumeClaim)
              ? [`${event.object.metadata.namespace ?? ""}/${str(v.persistentVolumeClaim.claimName) ?? ""}`]
              : [],
          ),
      },
      {
        resource: ctx.types.storageClasses,
        keys: (event) =>
          ctx.cluster.store
            .list(ctx.types.pvcs)
            .filter((pvc) => spec(pvc).storageClassName === event.object.metadata.name)
            .map(nsKey),
      },
    ]
  }

  sync(key: string): void {
    const { cluster, types, clock, scheduler } = this.ctx
    const [namespace, name] = splitKey(key)
    const pvc = cluster.find(types.pvcs, namespace, name)
    if (!pvc) return
    if (pvc.metadata.deletionTimestamp) {
      this.release(pvc)
      return
    }
    const pvcSpec = spec(pvc)
    const className = str(pvcSpec.storageClassName)
    const sc = className ? cluster.find(types.storageClasses, undefined, className) : undefined
    if (status(pvc).phase === "Bound") {
      this.resize(pvc, sc)
      return
    }
    if (!sc) return
    const scObj = sc
    if (
      scObj.volumeBindingMode === "WaitForFirstConsumer" &&
      !pvc.metadata.annotations?.["volume.kubernetes.io/selected-node"]
    )
      return
    const now = clock.now()
    const since = Date.parse(pvc.metadata.creationTimestamp ?? "") || now
    const readyAt = since + this.ctx.timing.provisionMs
    if (readyAt > now) {
      scheduler.requeueAt(this.name, key, readyAt)
      const annotations = pvc.metadata.annotations ?? {}
      const provisioner = str(scObj.provisioner) ?? ""
      if (annotations["volume.kubernetes.io/storage-provisioner"] !== provisioner)
        cluster.update(
          types.pvcs,
          namespace,
          name,
          {
            ...pvc,
            metadata: {
              ...pvc.metadata,
              annotations: {
                ...annotations,
                "volume.beta.kubernetes.io/storage-provisioner": provisioner,
                "volume.kubernetes.io/storage-provisioner": provisioner,
              },
            },
          },
          { manager: controllerManager },
        )
      return
    }
    this.provision(pvc, sc)
  }

  private provision(pvc: KObject, sc: KObject) {
    const { cluster, types } = this.ctx
    const scObj = sc
    const pvName = `pvc-${pvc.metadata.uid ?? randomUUID()}`
    const storage = requested(pvc) ?? "1Gi"
    const accessModes = list(spec(pvc).accessModes)
    const provisioner = str(scObj.provisioner) ?? "dobs.csi.digitalocean.com"
    if (!cluster.find(types.pvs, undefined, pvName)) {
      const pv: KObject = {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: {
          name: pvName,
          annotations: {
            "pv.kubernetes.io/provisioned-by": provisioner,
            "volume.kubernetes.io/provisioner-deletion-secret-name": "",
            "volume.kubernetes.io/provisioner-deletion-secret-namespace": "",
          },
          finalizers: ["kubernetes.io/pv-protection", "external-provisioner.volume.kubernetes.io/finalizer"],
        },
        spec: {
          accessModes,
          capacity: { storage },
          claimRef: {
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            name: pvc.metadata.name ?? "",
            namespace: pvc.metadata.namespace ?? "",
            uid: pvc.metadata.uid ?? "",
          },
          csi: { driver: provisioner, fsType: "ext4", volumeHandle: randomUUID() },
          persistentVolumeReclaimPolicy: str(scObj.reclaimPolicy) ?? "Delete",
          storageClassName: sc.metadata.name ?? "",
          volumeMode: str(spec(pvc).volumeMode) ?? "Filesystem",
        },
      }
      const created = cluster.create(types.pvs, undefined, pv, { manager: "csi-provisioner" })
      writeStatus(this.ctx, types.pvs, created, { phase: "Bound" }, controllerManager)
    }
    const annotations = {
      ...pvc.metadata.annotations,
      "pv.kubernetes.io/bind-completed": "yes",
      "pv.kubernetes.io/bound-by-controller": "yes",
      "volume.beta.kubernetes.io/storage-provisioner": provisioner,
      "volume.kubernetes.io/storage-provisioner": provisioner,
    }
    const bound = cluster.update(
      types.pvcs,
      pvc.metadata.namespace,
      pvc.metadata.name ?? "",
      { ...pvc, metadata: { ...pvc.metadata, annotations }, spec: { ...spec(pvc), volumeName: pvName } },
      { manager: controllerManager },
    )
    writeStatus(this.ctx, types.pvcs, bound, { phase: "Bound", accessModes, capacity: { storage } }, controllerManager)
  }

  private resize(pvc: KObject, sc: KObject | undefined) {
    const { cluster, types } = this.ctx
    const want = requested(pvc)
    const capacity = status(pvc).capacity
    const have = isObject(capacity) ? str(capacity.storage) : undefined
    if (!want || !have || quantity(want) <= quantity(have) || !sc) return
    const pvName = str(spec(pvc).volumeName)
    const pv = pvName ? cluster.find(types.pvs, undefined, pvName) : undefined
    if (pv)
      cluster.update(
        types.pvs,
        undefined,
        pvName!,
        { ...pv, spec: { ...spec(pv), capacity: { storage: want } } },
        { manager: "csi-resizer" },
      )
    writeStatus(this.ctx, types.pvcs, pvc, { ...status(pvc), capacity: { storage: want } }, "csi-resizer")
  }

  /** A deleted claim keeps its finalizer while a pod uses it; then its volume goes per the reclaim policy. */
  private release(pvc: KObject) {
    const { cluster, types } = this.ctx
    const used = cluster.store
      .list(types.pods, pvc.metadata.namespace)
      .some((pod) =>
        list(spec(pod).volumes).some(
          (v) =>
            isObject(v) && isObject(v.persistentVolumeClaim) && v.persistentVolumeClaim.claimName === pvc.metadata.name,
        ),
      )
    if (used) return
    const pvName = str(spec(pvc).volumeName)
    if (pvName) {
      const pv = cluster.find(types.pvs, undefined, pvName)
      if (pv && spec(pv).persistentVolumeReclaimPolicy !== "Retain") {
        cluster.update(
          types.pvs,
          undefined,
          pvName,
          { ...pv, metadata: { ...pv.metadata, finalizers: [] } },
          { manager: controllerManager },
        )
        const left = cluster.find(types.pvs, undefined, pvName)
        if (left) cluster.delete(types.pvs, undefined, pvName)
      } else if (pv) {
        writeStatus(this.ctx, types.pvs, pv, { phase: "Released" }, controllerManager)
      }
    }
    const finalizers = (pvc.metadata.finalizers ?? []).filter((f) => f !== protection)
    cluster.update(
      types.pvcs,
      pvc.metadata.namespace,
      pvc.metadata.name ?? "",
      { ...pvc, metadata: { ...pvc.metadata, finalizers } },
      {
        manager: controllerManager,
      },
    )
  }
}
