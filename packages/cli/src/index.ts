export * as Failure from "./Failure.ts"
export * as Files from "./Files.ts"
export { version } from "./Version.ts"
