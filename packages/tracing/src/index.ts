export * as Tracing from "./Tracing.ts"
