import type { DesiredState } from "@starform/domain"
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim"
import * as Labels from "./Labels.ts"
import * as Names from "./Names.ts"
import * as Workload from "./Workload.ts"

/**
 * A volume as a PVC on its storage class (DigitalOcean block storage by default). Volumes belong to the
 * environment and outlive the services that mount them: the PVC carries the environment's labels only, and Shuttle
 * never prunes it with a service. Growing `sizeGb` resizes it in place (the class allows expansion).
 */
export const render = (
  environment: DesiredState.EnvironmentState,
  mount: DesiredState.ServiceState["volumes"][number],
): IPersistentVolumeClaim & { metadata: { name: string; namespace: string } } => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name: Names.volume(mount), namespace: environment.namespace, labels: Labels.ofEnvironment(environment) },
  spec: {
    accessModes: ["ReadWriteOnce"],
    storageClassName: mount.storageClass,
    resources: { requests: { storage: Workload.storage(mount.sizeGb) } },
  },
})
