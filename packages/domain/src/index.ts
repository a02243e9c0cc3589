export * as Columns from "./Columns.ts"
export * as Ids from "./Ids.ts"
export * as Names from "./Names.ts"
