export * as Ids from "./Ids.ts"
