import { describe, expect, it } from "@effect/vitest"
import { Names, Violations } from "@starform/domain"
import { Result, Schema } from "effect"

const labelRule30 =
  "must be a lower-case RFC 1123 label: a-z, 0-9 and '-', starting and ending with a letter or digit, at most 30 characters"

/** The error message decoding `input` with `schema` fails with, or undefined when it decodes. */
const refusal = (schema: Schema.Decoder<unknown>, input: unknown): string | undefined => {
  const result = Schema.decodeUnknownResult(schema)(input)
  return Result.isFailure(result) ? result.failure.message : undefined
}

const decoded = (schema: Schema.Decoder<unknown>, input: unknown): unknown => Schema.decodeUnknownSync(schema)(input)

describe("environment names", () => {
  it.each([
    ["Prod", "an upper-case letter"],
    ["-x", "a leading '-'"],
    ["x-", "a trailing '-'"],
    ["a_b", "an underscore"],
    ["a".repeat(31), "31 characters"],
    ["", "nothing"],
    ["prod.eu", "a dot"],
    ["prod ", "a trailing space"],
  ])("refuses %j (%s) with the rule in the message", (name) => {
    expect(refusal(Names.EnvironmentName, name)).toBe(labelRule30)
  })

  it.each([
    ["prоd", "a Cyrillic о"],
    ["ｐrod", "a full-width ｐ"],
    ["prod\u200b", "a zero-width space"],
    ["stagıng", "a dotless ı"],
  ])("refuses the look-alike %j (%s)", (name) => {
    expect(refusal(Names.EnvironmentName, name)).toBe(labelRule30)
  })

  it.each(["production", "pr-42", "a", "0", "a".repeat(30), "x-1-y"])("accepts %j", (name) => {
    expect(decoded(Names.EnvironmentName, name)).toBe(name)
  })
})

describe("other customer-chosen names", () => {
  const labels63 = [
    Names.ProjectName,
    Names.ServiceName,
    Names.VarGroupName,
    Names.VolumeName,
    Names.DatabaseName,
    Names.WorkspaceSlug,
  ]

  it("are RFC 1123 labels of at most 63 characters", () => {
    for (const schema of labels63) {
      expect(decoded(schema, "a".repeat(63))).toBe("a".repeat(63))
      expect(refusal(schema, "a".repeat(64))).toMatch(/RFC 1123 label.*at most 63 characters$/)
      expect(refusal(schema, "Api")).toMatch(/must be a lower-case RFC 1123 label/)
    }
  })

  it("bucket names take 3 to 63 characters, as S3-compatible stores require", () => {
    expect(refusal(Names.BucketName, "ab")).toMatch(/RFC 1123 label.*3 to 63 characters$/)
    expect(decoded(Names.BucketName, "abc")).toBe("abc")
    expect(refusal(Names.BucketName, "a".repeat(64))).toMatch(/3 to 63 characters$/)
  })

  it("variable keys are letters, digits and '_', not starting with a digit", () => {
    for (const key of ["DATABASE_URL", "_private", "lower_ok", "X".repeat(255)]) {
      expect(decoded(Names.VariableKey, key)).toBe(key)
    }
    for (const key of ["1PORT", "MY-KEY", "", "A B", "X".repeat(256), "ÄPFEL"]) {
      expect(refusal(Names.VariableKey, key)).toBe(
        "must be a variable name: letters, digits and '_', not starting with a digit, at most 255 characters",
      )
    }
  })

  it("hostnames are lower-case DNS names of two or more labels", () => {
    for (const host of ["example.com", "api.acme.co.uk", "x1.y2"]) expect(decoded(Names.Hostname, host)).toBe(host)
    for (const host of ["localhost", "Example.com", "-a.com", "a..com", "a.com.", `${"a".repeat(64)}.com`]) {
      expect(refusal(Names.Hostname, host)).toMatch(/^must be a lower-case DNS name/)
    }
    const long = Array.from({ length: 4 }, () => "a".repeat(63)).join(".") // 255 characters
    expect(refusal(Names.Hostname, long)).toMatch(/at most 253 characters$/)
  })
})

describe("workspace display names", () => {
  it("are trimmed, then 1 to 64 characters", () => {
    expect(decoded(Names.WorkspaceName, "  Acme Inc.  ")).toBe("Acme Inc.")
    expect(decoded(Names.WorkspaceName, "Ünïcödé ✓")).toBe("Ünïcödé ✓")
    const rule = "must be 1 to 64 characters with no control characters (leading and trailing spaces are removed)"
    expect(refusal(Names.WorkspaceName, "   ")).toBe(rule)
    expect(refusal(Names.WorkspaceName, "x".repeat(65))).toBe(rule)
  })

  it("count characters as the database does, not UTF-16 units", () => {
    // 64 emoji are 128 UTF-16 units but 64 characters to PostgreSQL's length()
    expect(decoded(Names.WorkspaceName, "🚀".repeat(64))).toBe("🚀".repeat(64))
  })

  it("refuse control characters", () => {
    for (const name of ["Ac\nme", "Ac\tme", "Acme\u007f", "Ac\u0085me"]) {
      expect(refusal(Names.WorkspaceName, name)).toMatch(/no control characters/)
    }
  })

  it("refuse NUL before any other rule, as every rule of the domain does", () => {
    const nul = "must not contain the NUL character (\\u0000)"
    for (const schema of [Names.WorkspaceName, Names.ProjectName, Names.VariableKey, Names.Email, Names.Hostname]) {
      expect(refusal(schema, "Acme\u0000")).toBe(nul)
    }
  })
})

describe("email addresses", () => {
  it("are trimmed and lower-cased on decode", () => {
    expect(decoded(Names.Email, "  Ada@Example.COM ")).toBe("ada@example.com")
  })

  it("must have a sane shape and at most 254 characters", () => {
    const rule = "must be an email address like name@example.com, at most 254 characters"
    for (const email of ["ada", "ada@", "@example.com", "ada@example", "a da@example.com", "a@b@example.com"]) {
      expect(refusal(Names.Email, email)).toBe(rule)
    }
    expect(refusal(Names.Email, `${"a".repeat(243)}@example.com`)).toBe(rule)
    expect(decoded(Names.Email, `${"a".repeat(242)}@example.com`)).toHaveLength(254)
  })
})

describe("violations", () => {
  it("name the field, the rule and the message a person reads", () => {
    const Payload = Schema.Struct({ environment: Names.EnvironmentName, owner: Names.Email })
    const result = Schema.decodeUnknownResult(Payload)({ environment: "Prod", owner: "nobody" }, { errors: "all" })
    if (Result.isSuccess(result)) throw new Error("expected a failure")
    expect(Violations.fromIssue(result.failure.issue)).toEqual([
      { path: ["environment"], message: labelRule30, rule: "rfc1123-label" },
      {
        path: ["owner"],
        message: "must be an email address like name@example.com, at most 254 characters",
        rule: "email",
      },
    ])
  })

  it("say when a field is missing or of the wrong type", () => {
    const Payload = Schema.Struct({ name: Names.ProjectName, replicas: Schema.Number })
    const result = Schema.decodeUnknownResult(Payload)({ replicas: "3" }, { errors: "all" })
    if (Result.isSuccess(result)) throw new Error("expected a failure")
    expect(Violations.fromIssue(result.failure.issue)).toEqual([
      { path: ["name"], message: "Missing key", rule: "required" },
      { path: ["replicas"], message: "Expected number", rule: "type" },
    ])
  })
})
