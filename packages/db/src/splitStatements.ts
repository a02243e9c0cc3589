/**
 * Splits a SQL script into its statements. The Postgres driver speaks only the extended query
 * protocol, which takes one statement at a time, so a migration file is run statement by statement.
 * Semicolons inside quotes, quoted identifiers, dollar-quoted bodies and comments do not split.
 */
export const splitStatements = (script: string): Array<string> => {
  const statements: Array<string> = []
  let start = 0
  let i = 0
  const push = (end: number) => {
    const text = script.slice(start, end).trim()
    if (stripComments(text).trim() !== "") statements.push(text)
  }
  while (i < script.length) {
    const ch = script[i]!
    const next = script[i + 1]
    if (ch === "-" && next === "-") {
      const end = script.indexOf("\n", i)
      i = end === -1 ? script.length : end + 1
    } else if (ch === "/" && next === "*") {
      i = skipBlockComment(script, i)
    } else if (ch === "'" || ch === '"') {
      i = skipQuoted(script, i, ch)
    } else if (ch === "$") {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i))
      if (tag) {
        const end = script.indexOf(tag[0], i + tag[0].length)
        if (end === -1) throw new Error(`unterminated dollar-quoted string ${tag[0]}`)
        i = end + tag[0].length
      } else {
        i++
      }
    } else if (ch === ";") {
      push(i)
      i++
      start = i
    } else {
      i++
    }
  }
  push(script.length)
  return statements
}

const skipQuoted = (script: string, from: number, quote: string): number => {
  let i = from + 1
  while (i < script.length) {
    if (script[i] === quote) {
      if (script[i + 1] === quote) {
        i += 2
        continue
      }
      return i + 1
    }
    i++
  }
  throw new Error(`unterminated ${quote === "'" ? "string" : "quoted identifier"} starting at offset ${from}`)
}

// Postgres block comments nest.
const skipBlockComment = (script: string, from: number): number => {
  let depth = 0
  let i = from
  while (i < script.length) {
    if (script[i] === "/" && script[i + 1] === "*") {
      depth++
      i += 2
    } else if (script[i] === "*" && script[i + 1] === "/") {
      depth--
      i += 2
      if (depth === 0) return i
    } else {
      i++
    }
  }
  throw new Error(`unterminated block comment starting at offset ${from}`)
}

const stripComments = (text: string): string => text.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "")
