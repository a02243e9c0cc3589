import { VariablesApi } from "@starform/domain"
import type { Problem } from "../api/Problems.ts"

/**
 * The raw editor's text: one `KEY=value` per line (blank lines and `#` comments skipped). A line still showing
 * the mask keeps its stored value, so only what was typed is sent.
 */
export const parseRaw = (
  raw: string,
): { readonly variables: Record<string, string>; readonly problem: Problem | undefined } & {
  readonly kept: ReadonlyArray<string>
} => {
  const variables: Record<string, string> = {}
  const kept: Array<string> = []
  for (const [index, line] of raw.split("\n").entries()) {
    const trimmed = line.trim()
    if (trimmed === "" || trimmed.startsWith("#")) continue
    const equals = line.indexOf("=")
    if (equals <= 0) {
      return {
        variables,
        kept,
        problem: {
          message: `Line ${index + 1} is not KEY=value.`,
          fields: { raw: "each line is KEY=value" },
          code: undefined,
        },
      }
    }
    const key = line.slice(0, equals).trim()
    const value = line.slice(equals + 1)
    if (value === VariablesApi.mask) kept.push(key)
    else variables[key] = value
  }
  return { variables, kept, problem: undefined }
}
