import { randomBytes } from "node:crypto"

/** A workspace slug derived from its name: lower-case ASCII letters and digits joined by '-', at most 40. */
export const fromName = (name: string): string => {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "")
  return slug === "" ? "workspace" : slug
}

/** The slug with a short random suffix, for when the plain one is taken. */
export const withSuffix = (slug: string): string =>
  `${slug}-${[...randomBytes(6)].map((byte) => (byte % 36).toString(36)).join("")}`
