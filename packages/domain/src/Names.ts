import { Schema, SchemaTransformation } from "effect"
import * as Rules from "./Rules.ts"

/**
 * The rules for names customers choose. Each is one check whose message states the whole rule ("must be a
 * lower-case RFC 1123 label: …, at most 30 characters") and whose `rule` annotation names it (see `Rules`).
 */

/** The machine-readable names of the rules, carried by each check's `rule` annotation. */
export const rules = {
  label: "rfc1123-label",
  hostname: "hostname",
  variableKey: "variable-key",
  displayName: "display-name",
  email: "email",
} as const

export type Rule = (typeof rules)[keyof typeof rules]

/** One RFC 1123 label: lower-case letters, digits and '-', not starting or ending with '-'. */
const labelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** The check for an RFC 1123 label of `minimum`..`maximum` characters. */
export const isLabel = (maximum: number, minimum = 1) =>
  Rules.make(
    rules.label,
    `must be a lower-case RFC 1123 label: a-z, 0-9 and '-', starting and ending with a letter or digit, ${
      minimum > 1 ? `${minimum} to ${maximum}` : `at most ${maximum}`
    } characters`,
    (value) => value.length >= minimum && value.length <= maximum && labelPattern.test(value),
    { pattern: labelPattern.source, minLength: minimum, maxLength: maximum },
  )

const label = (maximum: number, minimum = 1) => Schema.String.check(isLabel(maximum, minimum))

/** An environment's name, e.g. `production`, `pr-42`: an RFC 1123 label of at most 30 characters. */
export const EnvironmentName = label(30)
  .annotate({
    description: "An environment's name: a lower-case RFC 1123 label of at most 30 characters.",
    examples: ["production"],
  })
  .pipe(Schema.brand("EnvironmentName"))
export type EnvironmentName = typeof EnvironmentName.Type

/** A project's name, unique in its workspace. */
export const ProjectName = label(63)
  .annotate({
    description: "A project's name, unique in its workspace: a lower-case RFC 1123 label.",
    examples: ["shop"],
  })
  .pipe(Schema.brand("ProjectName"))
export type ProjectName = typeof ProjectName.Type

/** A service's name, unique in its environment; it is also the in-cluster DNS name of a private service. */
export const ServiceName = label(63)
  .annotate({
    description: "A service's name, unique in its environment; also the in-cluster DNS name of a private service.",
    examples: ["api"],
  })
  .pipe(Schema.brand("ServiceName"))
export type ServiceName = typeof ServiceName.Type

/** A var group's name, unique in its project. */
export const VarGroupName = label(63)
  .annotate({ description: "A var group's name, unique in its project.", examples: ["shared-secrets"] })
  .pipe(Schema.brand("VarGroupName"))
export type VarGroupName = typeof VarGroupName.Type

/** A volume's name, unique in its environment. */
export const VolumeName = label(63)
  .annotate({ description: "A volume's name, unique in its environment.", examples: ["uploads"] })
  .pipe(Schema.brand("VolumeName"))
export type VolumeName = typeof VolumeName.Type

/** A managed database's name, unique in its environment. */
export const DatabaseName = label(63)
  .annotate({ description: "A managed database's name, unique in its environment.", examples: ["main-db"] })
  .pipe(Schema.brand("DatabaseName"))
export type DatabaseName = typeof DatabaseName.Type

/** A workspace's slug, as URLs and Kubernetes labels show it; unique across Starform. */
export const WorkspaceSlug = label(63)
  .annotate({ description: "A workspace's slug, unique across Starform, as URLs show it.", examples: ["acme"] })
  .pipe(Schema.brand("WorkspaceSlug"))
export type WorkspaceSlug = typeof WorkspaceSlug.Type

/** A bucket's name, unique in its environment: 3..63 characters, as S3-compatible stores require. */
export const BucketName = label(63, 3)
  .annotate({ description: "A bucket's name, unique in its environment: 3 to 63 characters.", examples: ["assets"] })
  .pipe(Schema.brand("BucketName"))
export type BucketName = typeof BucketName.Type

/** A cluster's name, unique across Starform (Starform's own naming, the same rule as customers' names). */
export const ClusterName = label(63)
  .annotate({ description: "A cluster's name, unique across Starform.", examples: ["do-nyc3-1"] })
  .pipe(Schema.brand("ClusterName"))
export type ClusterName = typeof ClusterName.Type

/** A region's slug: the provider's region name, e.g. `nyc3`. */
export const RegionSlug = label(63)
  .annotate({ description: "A region's slug: the provider's region name.", examples: ["nyc3"] })
  .pipe(Schema.brand("RegionSlug"))
export type RegionSlug = typeof RegionSlug.Type

const variableKeyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/

/** An environment variable's name, e.g. `DATABASE_URL`. */
export const VariableKey = Schema.String.check(
  Rules.make(
    rules.variableKey,
    "must be a variable name: letters, digits and '_', not starting with a digit, at most 255 characters",
    (value) => value.length <= 255 && variableKeyPattern.test(value),
    { pattern: variableKeyPattern.source, minLength: 1, maxLength: 255 },
  ),
)
  .annotate({
    description: "A variable's name: letters, digits and `_`, not starting with a digit.",
    examples: ["DATABASE_URL"],
  })
  .pipe(Schema.brand("VariableKey"))
export type VariableKey = typeof VariableKey.Type

/** A lower-case DNS name of RFC 1123 labels, at most 253 characters, e.g. `api.example.com`. */
const hostnamePattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/

/** A hostname a service answers on, e.g. `api.example.com`. */
export const Hostname = Schema.String.check(
  Rules.make(
    rules.hostname,
    "must be a lower-case DNS name: two or more RFC 1123 labels of a-z, 0-9 and '-' (each at most 63 characters, " +
      "starting and ending with a letter or digit) separated by '.', at most 253 characters",
    (value) => value.length <= 253 && hostnamePattern.test(value),
    { pattern: hostnamePattern.source, minLength: 3, maxLength: 253 },
  ),
)
  .annotate({ description: "A lower-case DNS name.", examples: ["api.example.com"] })
  .pipe(Schema.brand("Hostname"))
export type Hostname = typeof Hostname.Type

/** Unicode control characters (C0, DEL, C1): never part of a name a person types. */
const controlCharacter = /\p{Cc}/u

/**
 * The check for a display name of `minimum`..`maximum` characters with no control characters. Decoding trims
 * it first (see `displayName`), so the check also holds for what the database stores (`name = btrim(name)`).
 */
export const isDisplayName = (maximum: number, minimum = 1) =>
  Rules.make(
    rules.displayName,
    `must be ${minimum > 0 ? `${minimum} to ${maximum}` : `at most ${maximum}`} characters` +
      " with no control characters (leading and trailing spaces are removed)",
    (value) => {
      const length = Rules.characters(value)
      return length >= minimum && length <= maximum && !controlCharacter.test(value) && value === value.trim()
    },
    { minLength: minimum, maxLength: maximum },
  )

/** A display name that is trimmed on decode and then checked. */
const displayName = (maximum: number, minimum = 1) =>
  Schema.String.pipe(Schema.decodeTo(Schema.String.check(isDisplayName(maximum, minimum)), SchemaTransformation.trim()))

/** A workspace's display name, e.g. `Acme Inc.`: 1..64 characters. */
export const WorkspaceName = displayName(64)
  .pipe(
    Schema.annotateEncoded({ description: "A workspace's display name: 1 to 64 characters.", examples: ["Acme Inc."] }),
  )
  .pipe(Schema.brand("WorkspaceName"))
export type WorkspaceName = typeof WorkspaceName.Type

/** A person's name as they gave it: at most 100 characters, possibly empty (an SSO provider may not say). */
export const PersonName = displayName(100, 0)
  .pipe(
    Schema.annotateEncoded({
      description: "A person's name as they gave it: at most 100 characters, possibly empty.",
      examples: ["Ada Lovelace"],
    }),
  )
  .pipe(Schema.brand("PersonName"))
export type PersonName = typeof PersonName.Type

/** A free-form label shown in lists (a region's name, a cloud credential's label): 1..100 characters. */
export const Label = displayName(100)
  .pipe(
    Schema.annotateEncoded({ description: "A label shown in lists: 1 to 100 characters.", examples: ["New York 3"] }),
  )
  .pipe(Schema.brand("Label"))
export type Label = typeof Label.Type

const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

/**
 * An email address: a sane shape (something, '@', a domain with a dot, no spaces), at most 254 characters,
 * trimmed and lower-cased on decode so that one address is one account whatever its case.
 */
export const Email = Schema.String.pipe(
  Schema.decodeTo(
    Schema.String.check(
      Rules.make(
        rules.email,
        "must be an email address like name@example.com, at most 254 characters",
        (value) => value.length <= 254 && emailPattern.test(value) && value === value.toLowerCase(),
        { pattern: emailPattern.source, maxLength: 254 },
      ),
    ),
    SchemaTransformation.composeTransformation(SchemaTransformation.trim(), SchemaTransformation.toLowerCase()),
  ),
  Schema.brand("Email"),
).pipe(
  Schema.annotateEncoded({
    description: "An email address, at most 254 characters; trimmed and lower-cased on receipt.",
    examples: ["ada@example.com"],
  }),
)
export type Email = typeof Email.Type
