export type { DeleteOptions, ListOptions, WriteOptions } from "./apiserver/Cluster.ts"
export type { RequestStats } from "./apiserver/Http.ts"
export { builtIn as resources } from "./apiserver/Kinds.ts"
export type { ResourceType } from "./apiserver/Registry.ts"
export type { Cause, StatusBody } from "./apiserver/Status.ts"
export { Behavior, Behaviors, type PodBehavior, type PodMatch } from "./Behaviors.ts"
export { rfc3339 } from "./Clock.ts"
export { templateHash } from "./controllers/TemplateHash.ts"
export type { FaultMatch, Faults, Verb } from "./Faults.ts"
export type { Json, JsonObject } from "./Json.ts"
export { KubeSim } from "./KubeSim.ts"
export { parseManifests } from "./Manifests.ts"
export type { Condition, KObject, LabelSelector, ManagedFieldsEntry, ObjectMeta, OwnerReference } from "./Objects.ts"
export * as Seeds from "./Seeds.ts"
export {
  type ClockMode,
  type KubeConfigOptions,
  type Observed,
  Simulator,
  type SimulatorOptions,
} from "./Simulator.ts"
