import { Schema } from "effect"

/**
 * A rule is a check whose failure message states the whole rule ("must be …"), so a person reading the error
 * knows what to send instead, and whose `rule` annotation names it for machines (the gateway reports it as the
 * error's `rule`; see `Violations`). The same rules are CHECK constraints in `migrations/`: the two must agree.
 * Every rule also refuses NUL first (`noNul`).
 */
export const make = (
  rule: string,
  message: string,
  test: (value: string) => boolean,
  jsonSchema: { readonly pattern?: string; readonly minLength?: number; readonly maxLength?: number } = {},
) =>
  Schema.makeFilterGroup([
    noNul,
    Schema.makeFilter((value: string) => test(value), { message, rule, toJsonSchema: () => jsonSchema }),
  ])

/** The name of the rule every text refuses first: no NUL character. */
export const noNulRule = "no-nul"

/**
 * No NUL (`\u0000`): PostgreSQL cannot store it in `text`, and no person means to send it. Every rule made by `make`
 * (so every name, id and free text of the domain) checks this first and stops there, so the error names this rule.
 */
export const noNul = Schema.makeFilter(
  (value: string) => !value.includes("\u0000"),
  { message: "must not contain the NUL character (\\u0000)", rule: noNulRule },
  true,
)

/** Counts characters as PostgreSQL's `length()` does: code points, not UTF-16 units. */
export const characters = (value: string): number => {
  let count = 0
  for (const _ of value) count++
  return count
}

/** Free text of `minimum`..`maximum` characters (as PostgreSQL counts them). */
export const text = (maximum: number, minimum = 0) =>
  Schema.String.check(
    make(
      "length",
      minimum > 0 ? `must be ${minimum} to ${maximum} characters` : `must be at most ${maximum} characters`,
      (value) => {
        const length = characters(value)
        return length >= minimum && length <= maximum
      },
      { minLength: minimum, maxLength: maximum },
    ),
  )

/** An `integer` column's value in `minimum`..`maximum`. */
export const int = (minimum: number, maximum = 2_147_483_647) =>
  Schema.Int.check(
    Schema.makeFilter((value: number) => value >= minimum && value <= maximum, {
      message:
        maximum === 2_147_483_647
          ? `must be a whole number of at least ${minimum}`
          : `must be a whole number from ${minimum} to ${maximum}`,
      rule: "range",
      toJsonSchema: () => ({ minimum, maximum }),
    }),
  )

/** A string matching `pattern`, e.g. a commit SHA. */
export const matching = (rule: string, pattern: RegExp, message: string) =>
  Schema.String.check(make(rule, message, (value) => pattern.test(value), { pattern: pattern.source }))

/** An enumeration: one of `literals`, e.g. a status. */
export const oneOf = <const L extends ReadonlyArray<string>>(literals: L) =>
  Schema.Literals(literals).annotate({ message: `must be one of: ${literals.join(", ")}`, rule: "one-of" })
