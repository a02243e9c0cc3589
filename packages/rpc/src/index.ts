export * as ServiceClient from "./ServiceClient.ts"
export * as ServiceServer from "./ServiceServer.ts"
