/**
 * `.gitignore` rules (also the syntax of `.starformignore`), compiled to a matcher: comments, `!` negation, a
 * trailing `/` for folders only, a leading or inner `/` anchoring to the file's folder, `*`, `?`, `**`. The last rule
 * that matches decides, as in Git. Pure.
 */

export interface Rule {
  /** The folder the rules file is in, relative to the packed root, `""` for the root itself. */
  readonly base: string
  readonly negate: boolean
  readonly dirOnly: boolean
  readonly regex: RegExp
}

const literal = (c: string) => c.replace(/[.+^${}()|[\]\\]/g, "\\$&")

const toRegex = (pattern: string, anchored: boolean): RegExp => {
  let source = ""
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === "*" && pattern[i + 1] === "*") {
      const slashAfter = pattern[i + 2] === "/"
      source += slashAfter ? "(?:.*/)?" : ".*"
      i += slashAfter ? 2 : 1
    } else if (c === "*") source += "[^/]*"
    else if (c === "?") source += "[^/]"
    else if (c === "\\" && i + 1 < pattern.length) source += literal(pattern[++i]!)
    else source += literal(c)
  }
  return new RegExp(anchored ? `^${source}$` : `(?:^|/)${source}$`)
}

/** The rules of one ignore file found in `base`. */
export const parse = (text: string, base: string): ReadonlyArray<Rule> =>
  text.split(/\r?\n/).flatMap((raw) => {
    const line = raw.replace(/(?<!\\)\s+$/, "")
    if (line === "" || line.startsWith("#")) return []
    const negate = line.startsWith("!")
    let pattern = negate ? line.slice(1) : line
    const dirOnly = pattern.endsWith("/")
    if (dirOnly) pattern = pattern.slice(0, -1)
    const anchored = pattern.includes("/")
    if (pattern.startsWith("/")) pattern = pattern.slice(1)
    if (pattern === "") return []
    return [{ base, negate, dirOnly, regex: toRegex(pattern, anchored) }]
  })

/** Whether `path` (relative to the root, `/`-separated) is ignored by `rules` alone (not looking at its folders). */
export const ignores = (rules: ReadonlyArray<Rule>, path: string, isDir: boolean): boolean => {
  let ignored = false
  for (const rule of rules) {
    if (rule.dirOnly && !isDir) continue
    if (rule.base !== "" && !path.startsWith(`${rule.base}/`)) continue
    const relative = rule.base === "" ? path : path.slice(rule.base.length + 1)
    if (rule.regex.test(relative)) ignored = !rule.negate
  }
  return ignored
}

/** Whether `path` or any folder above it is ignored: what is inside an ignored folder is never packed. */
export const ignoresWithin = (rules: ReadonlyArray<Rule>, path: string): boolean => {
  const parts = path.split("/")
  for (let i = 1; i < parts.length; i++) if (ignores(rules, parts.slice(0, i).join("/"), true)) return true
  return ignores(rules, path, false)
}
