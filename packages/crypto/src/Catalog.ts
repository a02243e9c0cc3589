/**
 * Every column that holds a secret at rest, as data (§39.1 #18). `FieldCrypto.encrypt` and `decrypt` take one of
 * these entries, never a free string, so nothing can be encrypted for a column that is not listed here; the
 * database test checks this list against the migrated schema in both directions.
 */

declare const catalogued: unique symbol

/**
 * One encrypted column. Only this module makes them (the brand cannot be written outside it), so holding an
 * `EncryptedColumn` proves the column is catalogued.
 */
export interface EncryptedColumn<
  Table extends string = string,
  Column extends `${string}_ciphertext` = `${string}_ciphertext`,
> {
  readonly [catalogued]: true
  readonly table: Table
  readonly column: Column
  /** `table.column`: the additional authenticated data each value is sealed with, and the name errors use. */
  readonly name: `${Table}.${Column}`
  /** What the plaintext is. */
  readonly holds: string
  /** The component that writes it (and re-encrypts it on a key rotation). */
  readonly writtenBy: string
}

const entry = <const Table extends string, const Column extends `${string}_ciphertext`>(spec: {
  readonly table: Table
  readonly column: Column
  readonly holds: string
  readonly writtenBy: string
}): EncryptedColumn<Table, Column> =>
  Object.freeze({ ...spec, name: `${spec.table}.${spec.column}` }) as unknown as EncryptedColumn<Table, Column>

export const varGroupEntryValue = entry({
  table: "var_group_entries",
  column: "value_ciphertext",
  holds: "a var group variable's value: the group's default, or one environment's override",
  writtenBy: "projects service (var groups)",
})

export const serviceVariableValue = entry({
  table: "service_variables",
  column: "value_ciphertext",
  holds: "a variable set directly on one service",
  writtenBy: "projects service (service configuration)",
})

export const databasePassword = entry({
  table: "databases",
  column: "password_ciphertext",
  holds: "the password of a managed database's user",
  writtenBy: "storage service (managed databases, beside buckets and volumes)",
})

export const bucketSecretAccessKey = entry({
  table: "buckets",
  column: "secret_access_key_ciphertext",
  holds: "the Tigris secret access key of a bucket (its access key id is stored in the clear)",
  writtenBy: "storage service (buckets)",
})

export const githubInstallationAccessToken = entry({
  table: "github_installations",
  column: "access_token_ciphertext",
  holds: "the short-lived GitHub App installation access token, refreshed before it expires",
  writtenBy: "builds service (GitHub App installations)",
})

export const cloudCredentialSecret = entry({
  table: "cloud_credentials",
  column: "secret_ciphertext",
  holds: "an API token Starform holds for its own cloud accounts (DigitalOcean, Tigris, Cloudflare)",
  writtenBy: "projects service (clusters and regions), by an operator",
})

export const clusterKubeconfig = entry({
  table: "clusters",
  column: "kubeconfig_ciphertext",
  holds: "the kubeconfig (API credentials) of a Kubernetes cluster Starform operates",
  writtenBy: "projects service (clusters and regions), at cluster bootstrap",
})

export const userTotpSecret = entry({
  table: "users",
  column: "totp_secret_ciphertext",
  holds: "a user's TOTP (authenticator app) shared secret",
  writtenBy: "identity service (MFA enrolment)",
})

export const deploymentVariables = entry({
  table: "deployments",
  column: "variables_ciphertext",
  holds: "a release's variables, fully resolved, as one sealed JSON object of key to value",
  writtenBy: "projects service (deployments), once, when the deployment is created",
})

/** The whole catalog, in a stable order. */
export const all = [
  varGroupEntryValue,
  serviceVariableValue,
  databasePassword,
  bucketSecretAccessKey,
  githubInstallationAccessToken,
  cloudCredentialSecret,
  clusterKubeconfig,
  userTotpSecret,
  deploymentVariables,
] as const

/** Any catalogued column. */
export type Entry = (typeof all)[number]
