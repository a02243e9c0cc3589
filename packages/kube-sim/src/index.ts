export { Behavior, Behaviors, type PodBehavior, type PodMatch } from "./Behaviors.ts"
export { rfc3339 } from "./Clock.ts"
export type { DeleteOptions, ListOptions, WriteOptions } from "./Cluster.ts"
export { templateHash } from "./controllers/Deployments.ts"
export type { FaultMatch, Faults, Verb } from "./Faults.ts"
export type { RequestStats } from "./Http.ts"
export type { Json, JsonObject } from "./Json.ts"
export { KubeSim } from "./KubeSim.ts"
export type { Condition, KObject, LabelSelector, ManagedFieldsEntry, ObjectMeta, OwnerReference } from "./Objects.ts"
export { builtIn as resources, type ResourceType } from "./Registry.ts"
export * as Seeds from "./Seeds.ts"
export {
  type ClockMode,
  type KubeConfigOptions,
  type Observed,
  Simulator,
  type SimulatorOptions,
} from "./Simulator.ts"
export type { Cause, StatusBody } from "./Status.ts"
