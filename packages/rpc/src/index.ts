export * as ServiceClient from "./ServiceClient.ts"
export * as ServiceServer from "./ServiceServer.ts"
export * as TrustedAnswers from "./TrustedAnswers.ts"
