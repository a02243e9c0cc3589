export { IdentityConfig, type SsoProviderConfig } from "./IdentityConfig.ts"
export * as Policy from "./policy/Policy.ts"
export * as Secrets from "./Secrets.ts"
export * as IdentityServer from "./Server.ts"
