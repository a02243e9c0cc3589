/**
 * Which tables the SQL in a TypeScript source names. SQL is written as tagged templates (`sql`…``, `sql<Row>`…``);
 * their text is read with each `${…}` standing for a value (`?`), and the `sql` templates inside a `${…}` (fragments)
 * belong to the statement they are part of. A table is what follows FROM, JOIN, USING, INSERT INTO, UPDATE, TABLE and
 * TRUNCATE; common table expressions (`WITH name AS (…)`), set-returning functions (`FROM unnest(…)`), FROM inside
 * EXTRACT/SUBSTRING/TRIM/OVERLAY/POSITION and `IS DISTINCT FROM` name none. A table name given as a value
 * (`FROM ${sql(name)}` with a variable) cannot be read and is reported as such. Pure: no files, no database.
 */

/** One `sql` tagged template: its text with `${…}` as `?`, and the `sql` templates inside its `${…}`. */
export interface SqlTemplate {
  readonly line: number
  readonly text: string
  readonly fragments: ReadonlyArray<SqlTemplate>
}

/** What one statement (a template and its fragments) names. */
export interface Named {
  readonly line: number
  readonly tables: ReadonlyArray<string>
  /** Places where a table is named by a value the test cannot read. */
  readonly unreadable: number
}

const keywordsBeforeRegex = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "void",
  "yield",
  "await",
  "delete",
  "throw",
  "new",
])

const isIdentifierChar = (c: string | undefined) => c !== undefined && /[\w$]/.test(c)

/** Every top-level `sql` template of `source` (fragments are inside their statement's `fragments`). */
export const sqlTemplates = (source: string): ReadonlyArray<SqlTemplate> => {
  let i = 0
  const lineAt = (offset: number) => source.slice(0, offset).split("\n").length

  const skipQuoted = (quote: string) => {
    i++
    while (i < source.length && source[i] !== quote) i += source[i] === "\\" ? 2 : 1
    i++
  }

  const skipRegex = () => {
    i++
    let inClass = false
    while (i < source.length && source[i] !== "\n") {
      const c = source[i]
      if (c === "/" && !inClass) break
      if (c === "[") inClass = true
      if (c === "]") inClass = false
      i += c === "\\" ? 2 : 1
    }
    i++
    while (isIdentifierChar(source[i])) i++
  }

  /** After `sql` at `from`: the offset of the template's backtick, past an optional `<…>` type argument. */
  const tagEnd = (from: number): number | undefined => {
    let j = from
    while (/\s/.test(source[j] ?? "")) j++
    if (source[j] === "<") {
      let depth = 0
      for (; j < source.length; j++) {
        const c = source[j]
        if (c === "<") depth++
        else if (c === ">" && source[j - 1] !== "=") depth--
        else if (c === "`") return undefined
        if (depth === 0) break
      }
      j++
      while (/\s/.test(source[j] ?? "")) j++
    }
    return source[j] === "`" ? j : undefined
  }

  /** A template at `i` (its backtick): its text, and the `sql` templates in its `${…}`. */
  const readTemplate = (): { text: string; fragments: Array<SqlTemplate> } => {
    i++
    let text = ""
    const fragments: Array<SqlTemplate> = []
    while (i < source.length) {
      const c = source[i]
      if (c === "\\") {
        text += source.slice(i, i + 2)
        i += 2
      } else if (c === "`") {
        i++
        break
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2
        const start = i
        fragments.push(...readCode(true))
        text += ` ${placeholder(source.slice(start, i - 1))} `
      } else {
        text += c
        i++
      }
    }
    return { text, fragments }
  }

  /** Code up to the end (or, in a `${…}`, to its closing brace): the `sql` templates in it. */
  const readCode = (inInterpolation: boolean): Array<SqlTemplate> => {
    const found: Array<SqlTemplate> = []
    let depth = 0
    let last = ""
    let lastWord = ""
    let tagged = false
    while (i < source.length) {
      const c = source[i]!
      const next = source[i + 1]
      if (/\s/.test(c)) {
        i++
      } else if (c === "/" && next === "/") {
        while (i < source.length && source[i] !== "\n") i++
      } else if (c === "/" && next === "*") {
        const end = source.indexOf("*/", i + 2)
        i = end === -1 ? source.length : end + 2
      } else if (c === "'" || c === '"') {
        skipQuoted(c)
        last = c
      } else if (c === "`") {
        const line = lineAt(i)
        const template = readTemplate()
        if (tagged) found.push({ line, ...template })
        else found.push(...template.fragments)
        tagged = false
        last = "`"
      } else if (
        c === "/" &&
        (last === "" || (!isIdentifierChar(last) && !")]`'\"".includes(last)) || keywordsBeforeRegex.has(lastWord))
      ) {
        skipRegex()
        last = "/"
      } else if (isIdentifierChar(c)) {
        const start = i
        while (isIdentifierChar(source[i])) i++
        const word = source.slice(start, i)
        const end = word === "sql" && last !== "." ? tagEnd(i) : undefined
        if (end !== undefined) {
          i = end
          tagged = true
        }
        last = word.at(-1)!
        lastWord = word
        continue
      } else {
        if (c === "{") depth++
        if (c === "}") {
          if (depth === 0 && inInterpolation) {
            i++
            return found
          }
          depth--
        }
        last = c
        i++
      }
      if (c !== "`" && !/\s/.test(c)) lastWord = ""
    }
    return found
  }

  return readCode(false)
}

/** What a `${…}` stands for in the statement: a name given literally (`sql("projects")`) is kept; anything else is `?`. */
const placeholder = (expression: string) => {
  const literal = /^\s*sql(?:\.literal)?\(\s*(["'])([\w.]+)\1\s*\)\s*$/.exec(expression)
  return literal === null ? "?" : literal[2]!
}

interface Token {
  readonly kind: "word" | "param" | "punct" | "literal"
  readonly value: string
}

const tokenize = (text: string): ReadonlyArray<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    const rest = text.slice(i)
    if (/\s/.test(c)) {
      i++
    } else if (rest.startsWith("--")) {
      const end = text.indexOf("\n", i)
      i = end === -1 ? text.length : end
    } else if (rest.startsWith("/*")) {
      const end = text.indexOf("*/", i + 2)
      i = end === -1 ? text.length : end + 2
    } else if (c === "'") {
      i++
      while (i < text.length && !(text[i] === "'" && text[i + 1] !== "'")) i += text[i] === "'" ? 2 : 1
      i++
      tokens.push({ kind: "literal", value: "''" })
    } else if (/^\$(?:[A-Za-z_]\w*)?\$/.test(rest)) {
      const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(rest)![0]
      const end = text.indexOf(tag, i + tag.length)
      i = end === -1 ? text.length : end + tag.length
      tokens.push({ kind: "literal", value: "$$" })
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1)
      tokens.push({ kind: "word", value: text.slice(i + 1, end === -1 ? text.length : end) })
      i = end === -1 ? text.length : end + 1
    } else if (c === "?") {
      tokens.push({ kind: "param", value: "?" })
      i++
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*/.exec(rest)![0]
      tokens.push({ kind: "word", value: word.toLowerCase() })
      i += word.length
    } else if (/[0-9]/.test(c)) {
      const number = /^[0-9][\w.]*/.exec(rest)![0]
      tokens.push({ kind: "literal", value: number })
      i += number.length
    } else {
      tokens.push({ kind: "punct", value: c })
      i++
    }
  }
  return tokens
}

/** Words that end a FROM item instead of being its alias. */
const clauseWords = new Set(
  (
    "where join left right inner outer full cross natural on using group order limit offset returning set for window " +
    "having union except intersect values select default lateral fetch and or as into with"
  ).split(" "),
)

/** Words that end a FROM list. */
const listEnders = new Set(
  "where group order limit offset returning having window union except intersect for set values select".split(" "),
)

const fromFunctions = new Set(["extract", "substring", "trim", "overlay", "position"])

/** The tables one statement (its text and its fragments' texts) names, less its common table expressions. */
export const tablesOf = (template: SqlTemplate): Named => {
  const texts: Array<string> = []
  const collect = (t: SqlTemplate) => {
    texts.push(t.text)
    for (const fragment of t.fragments) collect(fragment)
  }
  collect(template)
  const named: Array<string> = []
  const ctes = new Set<string>()
  let unreadable = 0

  for (const text of texts) {
    const tokens = tokenize(text)
    const word = (k: number) => (tokens[k]?.kind === "word" ? tokens[k]!.value : undefined)
    const is = (k: number, value: string) => tokens[k]?.kind === "punct" && tokens[k]!.value === value

    /** The index after the parenthesised group opening at `k`. */
    const pastGroup = (k: number) => {
      let depth = 0
      for (let j = k; j < tokens.length; j++) {
        if (is(j, "(")) depth++
        else if (is(j, ")") && --depth === 0) return j + 1
      }
      return tokens.length
    }

    const record = (name: string) => {
      const [schema, table] = name.includes(".") ? name.split(".", 2) : ["public", name]
      if (schema === "public" && table !== undefined && !table.startsWith("pg_")) named.push(table)
    }

    /** A table written where a statement's target goes (INSERT INTO, UPDATE, TABLE, TRUNCATE). */
    const target = (k: number) => {
      const j = word(k) === "only" ? k + 1 : k
      if (tokens[j]?.kind === "param") unreadable++
      const name = word(j)
      if (name !== undefined) record(name)
    }

    /** One FROM/JOIN/USING item at `k`; the index after it (and its alias). */
    const fromItem = (k: number): number => {
      let j = k
      while (word(j) === "lateral" || word(j) === "only") j++
      if (is(j, "(")) {
        j = pastGroup(j)
      } else if (tokens[j]?.kind === "param") {
        unreadable++
        j++
      } else if (word(j) !== undefined) {
        if (is(j + 1, "(")) j = pastGroup(j + 1)
        else record(word(j)!)
        j++
      } else {
        return j
      }
      if (word(j) === "as") j++
      const alias = word(j)
      if (alias !== undefined && !clauseWords.has(alias)) {
        j++
        if (is(j, "(")) j = pastGroup(j)
      }
      return j
    }

    // The word before each open parenthesis, and the depths at which a FROM list is open: there a comma starts
    // another item (`FROM a JOIN b ON …, c`), until a clause that ends the list.
    const openedBy: Array<string> = []
    const fromListAt = new Set<number>()
    for (let k = 0; k < tokens.length; k++) {
      if (is(k, "(")) {
        openedBy.push(word(k - 1) ?? "")
        continue
      }
      if (is(k, ")")) {
        fromListAt.delete(openedBy.length)
        openedBy.pop()
        continue
      }
      if (is(k, ",") && fromListAt.has(openedBy.length)) {
        fromItem(k + 1)
        continue
      }
      const w = word(k)
      const before = word(k - 1)
      if (w !== undefined && listEnders.has(w)) fromListAt.delete(openedBy.length)
      switch (w) {
        case "from":
          if (before !== "distinct" && !fromFunctions.has(openedBy.at(-1) ?? "")) {
            fromListAt.add(openedBy.length)
            fromItem(k + 1)
          }
          break
        case "join":
          fromItem(k + 1)
          break
        case "using":
          if (!is(k + 1, "(")) fromItem(k + 1)
          break
        case "into":
          if (before === "insert" || before === "merge") target(k + 1)
          break
        case "update":
          if (before !== "for" && before !== "key" && before !== "do" && before !== "on") target(k + 1)
          break
        case "table":
          if (before === "truncate" || before === "lock") target(k + 1)
          break
        case "truncate":
          if (word(k + 1) !== "table") target(k + 1)
          break
        case "with": {
          let j = word(k + 1) === "recursive" ? k + 2 : k + 1
          for (;;) {
            const name = word(j)
            if (name === undefined) break
            j++
            if (is(j, "(")) j = pastGroup(j)
            if (word(j) !== "as") break
            j++
            if (word(j) === "not") j++
            if (word(j) === "materialized") j++
            if (!is(j, "(")) break
            ctes.add(name)
            j = pastGroup(j)
            if (!is(j, ",")) break
            j++
          }
          break
        }
      }
    }
  }
  return { line: template.line, tables: [...new Set(named.filter((name) => !ctes.has(name)))], unreadable }
}

/** What each SQL statement of `source` names. */
export const namedIn = (source: string): ReadonlyArray<Named> => sqlTemplates(source).map(tablesOf)
