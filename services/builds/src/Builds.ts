export * as Faults from "./Faults.ts"
export * as Machine from "./Machine.ts"
export * as Policy from "./Policy.ts"
