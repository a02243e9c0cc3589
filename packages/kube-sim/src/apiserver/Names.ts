/** apimachinery's name rules, with its messages word for word. */
const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const dns1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const ianaService = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/
const configKey = /^[-._a-zA-Z0-9]+$/
const envName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/

export const dns1123Subdomain = (value: string): string[] => {
  const out: string[] = []
  if (value.length > 253) out.push("must be no more than 253 characters")
  if (!subdomain.test(value))
    out.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    )
  return out
}

export const dns1123Label = (value: string): string[] => {
  const out: string[] = []
  if (value.length > 63) out.push("must be no more than 63 characters")
  if (!label.test(value))
    out.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    )
  return out
}

export const dns1035Label = (value: string): string[] => {
  const out: string[] = []
  if (value.length > 63) out.push("must be no more than 63 characters")
  if (!dns1035.test(value))
    out.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    )
  return out
}

/** RBAC and a few other kinds only forbid what would break the URL path. */
export const pathSegment = (value: string): string[] => {
  if (value === "." || value === "..") return [`may not be '${value}'`]
  for (const bad of ["/", "%"]) if (value.includes(bad)) return [`may not contain '${bad}'`]
  return []
}

export const portName = (value: string): string[] => {
  const out: string[] = []
  if (value.length > 15) out.push("must be no more than 15 characters")
  if (!ianaService.test(value)) out.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
  else if (value.includes("--")) out.push("must not contain consecutive hyphens")
  if (!/[a-z]/.test(value)) out.push("must contain at least one letter (a-z)")
  return out
}

export const configMapKey = (value: string): string[] => {
  const out: string[] = []
  if (value.length > 253) out.push("must be no more than 253 characters")
  if (!configKey.test(value))
    out.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    )
  if (value === "." || value === "..") out.push(`must not be '${value}'`)
  return out
}

export const envVarName = (value: string): string[] =>
  envName.test(value)
    ? []
    : [
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
      ]
