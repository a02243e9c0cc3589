export { Kube } from "./Kube.ts"
export type { KubeError } from "./KubeErrors.ts"
export * as KubeErrors from "./KubeErrors.ts"
export type {
  ApplyOptions,
  DeleteOptions,
  KubeConfigOptions,
  KubeObject,
  KubeSettings,
  ListQuery,
  ListResult,
  ObjectMeta,
  ObjectRef,
  ResourceInfo,
  Unstructured,
  WatchEvent,
  WatchQuery,
  WriteOptions,
} from "./Requests.ts"
