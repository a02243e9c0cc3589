export {
  type ApplyOptions,
  type DeleteOptions,
  Kube,
  type KubeConfigOptions,
  type KubeObject,
  type KubeSettings,
  type ListQuery,
  type ListResult,
  type ObjectMeta,
  type ObjectRef,
  type ResourceInfo,
  type Unstructured,
  type WatchEvent,
  type WatchQuery,
  type WriteOptions,
} from "./Kube.ts"
export type { KubeError } from "./KubeErrors.ts"
export * as KubeErrors from "./KubeErrors.ts"
