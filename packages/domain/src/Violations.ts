import { SchemaIssue } from "effect"

/**
 * A schema failure as a list a client can act on: which field, what is wrong with it in words, and the name of
 * the rule it broke (`rfc1123-label`, `id`, `one-of`, … from each check's `rule` annotation; see `Rules`). The
 * gateway turns each into the `{ code, message, field, rule }` of an error response.
 */
export interface Violation {
  /** Where in the input, e.g. `["services", 0, "name"]`; empty for the value itself. */
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
  readonly rule: string
}

const format = SchemaIssue.makeFormatterStandardSchemaV1()

const ruleOf = (annotations: { readonly [key: string]: unknown } | undefined): string | undefined =>
  typeof annotations?.rule === "string" ? annotations.rule : undefined

/** The rule of a failure no check names: the value's type, a missing or an unknown field. */
const leafRule = (issue: SchemaIssue.Issue): string => {
  switch (issue._tag) {
    case "InvalidType":
    case "AnyOf":
    case "OneOf":
      return ruleOf(issue.ast.annotations) ?? "type"
    case "MissingKey":
      return "required"
    case "UnexpectedKey":
      return "unknown-field"
    case "Forbidden":
      return "forbidden"
    default:
      return "invalid"
  }
}

const withRule = (
  issue: SchemaIssue.Issue,
  path: ReadonlyArray<PropertyKey>,
  rule: (at: SchemaIssue.Issue) => string,
): Array<Violation> =>
  format(issue).issues.map((reported) => ({
    path: [...path, ...(reported.path ?? []).map((key) => (typeof key === "object" ? key.key : key))],
    message: reported.message,
    rule: rule(issue),
  }))

const walk = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>): Array<Violation> => {
  switch (issue._tag) {
    case "Pointer":
      return walk(issue.issue, [...path, ...issue.path])
    case "Encoding":
      return walk(issue.issue, path)
    case "Composite":
      return issue.issues.flatMap((inner) => walk(inner, path))
    case "AnyOf":
      return issue.issues.length > 0
        ? issue.issues.flatMap((inner) => walk(inner, path))
        : withRule(issue, path, leafRule)
    case "Filter": {
      const rule = ruleOf(issue.filter.annotations) ?? "invalid"
      // A check on a whole object (e.g. what a web service needs) reports issues at the fields it names.
      return issue.issue._tag === "InvalidValue"
        ? withRule(issue, path, () => rule)
        : walk(issue.issue, path).map((violation) => ({ ...violation, rule }))
    }
    case "UnexpectedKey":
      // The formatter's "Expected no excess property" does not say what to do about it.
      return [{ path, message: "is not a field of this request (unknown fields are refused)", rule: "unknown-field" }]
    default:
      return withRule(issue, path, leafRule)
  }
}

/** Every violation in `issue` (a `SchemaError`'s `issue`), in the order the schema found them. */
export const fromIssue = (issue: SchemaIssue.Issue): ReadonlyArray<Violation> => walk(issue, [])
