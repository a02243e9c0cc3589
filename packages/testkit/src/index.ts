export * as Fixtures from "./Fixtures.ts"
export * as TestDatabase from "./TestDatabase.ts"
