import type { Projects, Violations } from "@starform/domain"

/**
 * Generated hostnames, pure: `<name>[-<env>]-<short id>.<base>`, and the rules a subdomain a person picks must pass
 * (reserved and offensive names refused). The database keeps hostnames unique; this decides what to ask it for.
 */

/** Default base of generated domains; `STARFORM_APP_DOMAIN` overrides it. */
export const defaultBase = "starform.app"

/** One DNS label: at most 63 characters. */
const maxLabel = 63

/** The service id's first characters after `svc_`: enough to make the name unique, short enough to read. */
export const shortIdLength = 6

/**
 * Labels Starform uses or may use itself, and ones that would pass for it (mail, auth pages, the dashboard):
 * a customer holding one could phish under Starform's name.
 */
export const reserved: ReadonlySet<string> = new Set([
  "abuse",
  "account",
  "accounts",
  "admin",
  "administrator",
  "api",
  "app",
  "apps",
  "assets",
  "auth",
  "billing",
  "blog",
  "cdn",
  "console",
  "dashboard",
  "dns",
  "docs",
  "edge",
  "ftp",
  "gateway",
  "git",
  "help",
  "hostmaster",
  "imap",
  "internal",
  "localhost",
  "login",
  "mail",
  "ns1",
  "ns2",
  "ns3",
  "ns4",
  "oauth",
  "pop",
  "postmaster",
  "registry",
  "root",
  "security",
  "signin",
  "signup",
  "smtp",
  "sso",
  "starbase",
  "static",
  "status",
  "support",
  "shuttle",
  "system",
  "webmaster",
  "www",
])

/** Labels that begin with the brand are Starform's, whatever follows (`starform-login`, `starformpay`). */
const brand = /^starform/

/**
 * Words refused as a whole word of the label (between hyphens, digits read as letters or dropped), and the few refused anywhere in it
 * because no innocent word contains them (the rest would refuse "scunthorpe"-like names).
 */
const offensiveWords: ReadonlySet<string> = new Set([
  "anal",
  "arse",
  "asshole",
  "bastard",
  "bitch",
  "bollocks",
  "chink",
  "cock",
  "cum",
  "dick",
  "dildo",
  "fag",
  "kike",
  "nazi",
  "piss",
  "porn",
  "pussy",
  "rape",
  "retard",
  "shit",
  "slut",
  "spic",
  "twat",
  "wank",
  "whore",
])
const offensiveAnywhere = ["fuck", "cunt", "nigger", "nigga", "faggot"]

/** Digits read as the letters they stand in for (`sh1t`), the rest dropped (`porn2`). */
const leet: Readonly<Record<string, string>> = { "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t" }
const unleet = (text: string) => text.replace(/[0-9]/g, (digit) => leet[digit] ?? "")

export const isOffensive = (label: string): boolean => {
  const plain = unleet(label)
  if (offensiveAnywhere.some((word) => label.includes(word) || plain.includes(word))) return true
  return label
    .split("-")
    .some((word) => offensiveWords.has(unleet(word)) || offensiveWords.has(word.replace(/[0-9]/g, "")))
}

const labelShape = /^[a-z0-9]([-a-z0-9]{1,61}[a-z0-9])$/

/** Why `subdomain` cannot be a generated domain's label, as violations of the field `subdomain`; none when it can. */
export const checkSubdomain = (subdomain: string): ReadonlyArray<Violations.Violation> => {
  const violation = (rule: string, message: string): Violations.Violation => ({ path: ["subdomain"], rule, message })
  if (!labelShape.test(subdomain))
    return [
      violation(
        "dns-label",
        "must be 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit",
      ),
    ]
  if (subdomain.includes("--"))
    return [violation("dns-label", "must not contain two hyphens in a row (reserved for internationalised names)")]
  if (reserved.has(subdomain) || brand.test(subdomain))
    return [violation("reserved", `${subdomain} is reserved by Starform: choose another subdomain`)]
  if (isOffensive(subdomain)) return [violation("offensive", "is not allowed: choose another subdomain")]
  return []
}

const trimHyphens = (text: string) => text.replace(/^-+|-+$/g, "")

export interface GeneratedInput {
  readonly serviceName: string
  /** Null for the project's first environment (its production): its services get the shortest name. */
  readonly environmentName: string | null
  readonly serviceId: string
  readonly base: string
}

/**
 * The generated hostname of a service: `<name>[-<env>]-<short id>.<base>`, the name and environment shortened to
 * fit one DNS label. A name that is offensive is left out (`app-<short id>`): the suffix keeps it unique.
 */
export const generated = (input: GeneratedInput): string => {
  const short = input.serviceId.slice(input.serviceId.indexOf("_") + 1).slice(0, shortIdLength)
  const room = maxLabel - short.length - 1
  const environment = input.environmentName === null ? "" : `-${input.environmentName}`
  const wanted = trimHyphens(`${input.serviceName}${environment}`.slice(0, room))
  const stem = wanted === "" || isOffensive(wanted) || brand.test(wanted) ? "app" : wanted
  return `${stem}-${short}.${input.base}`
}

/** `<subdomain>.<base>`. */
export const hostnameOf = (subdomain: string, base: string): string => `${subdomain}.${base}`

/** The label in front of `base`, or null for a hostname under another base (a base changed since). */
export const subdomainOf = (hostname: string, base: string): string | null =>
  hostname.endsWith(`.${base}`) ? hostname.slice(0, -(base.length + 1)) : null

/** A base as configured: lowercased, without a leading or trailing dot. */
export const normaliseBase = (base: string): string =>
  base
    .trim()
    .toLowerCase()
    .replace(/^\.+|\.+$/g, "")

/** Why a service has no public address; null when it is a public web service. */
export const reasonFor = (service: { readonly type: Projects.ServiceType; readonly isPublic: boolean }) => {
  if (service.type === "worker") return "A worker takes no HTTP traffic, so it has no domain."
  if (service.type === "cron") return "A cron job takes no HTTP traffic, so it has no domain."
  if (!service.isPublic)
    return "The service is private: it is reachable only inside its environment, at <name>.<namespace>.svc.cluster.local. Make it public (isPublic: true) to get a domain."
  return null
}
