import { describe, expect, it } from "vitest"
import { parseRaw } from "../src/routes/RawVariables.ts"
import { changesOf, type Release } from "../src/routes/RollbackChanges.ts"

const deployment = (number: number, imageRef: string, variableKeys: ReadonlyArray<string>, replicas = 1): Release => ({
  number,
  imageRef,
  imageDigest: null,
  snapshot: { variableKeys, config: { replicas } },
})

describe("the rollback confirmation", () => {
  it("says which image comes back and which variables go or return", () => {
    const serving = deployment(3, "ghcr.io/acme/api:2", ["GREETING", "TOKEN"])
    const target = deployment(1, "ghcr.io/acme/api:1", ["TOKEN", "OLD_FLAG"])
    expect(changesOf(target, serving)).toEqual([
      "Image: ghcr.io/acme/api:2 → ghcr.io/acme/api:1",
      "Variables removed: GREETING",
      "Variables brought back: OLD_FLAG",
      "Variable values as they were at #1",
    ])
  })

  it("says when nothing but the configuration differs", () => {
    const serving = deployment(2, "nginx:1.27", [], 3)
    const target = deployment(1, "nginx:1.27", [], 1)
    expect(changesOf(target, serving)).toEqual([
      "Image: nginx:1.27 (unchanged)",
      "Variables: none, as before",
      "Configuration (replicas, resources, health check) as it was at #1",
    ])
  })
})

describe("the raw variables editor", () => {
  it("reads KEY=value lines, keeps masked values as they are, and skips blanks and comments", () => {
    const parsed = parseRaw("# the app\nGREETING=hello=world\n\nTOKEN=••••••••\nEMPTY=\n")
    expect(parsed).toEqual({ variables: { GREETING: "hello=world", EMPTY: "" }, kept: ["TOKEN"], problem: undefined })
  })

  it("names the line that is not KEY=value", () => {
    expect(parseRaw("A=1\njust words").problem?.message).toBe("Line 2 is not KEY=value.")
  })
})
