export * as ServiceClient from "./ServiceClient.ts"
export * as TrustedAnswers from "./TrustedAnswers.ts"
