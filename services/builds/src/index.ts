export * as Builds from "./Builds.ts"
