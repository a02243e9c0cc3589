export * from "./Api.ts"
export * as Gateway from "./Gateway.ts"
