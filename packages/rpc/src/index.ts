export * as ServiceClient from "./ServiceClient.ts"
