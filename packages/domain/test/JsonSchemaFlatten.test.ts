import { describe, expect, it } from "@effect/vitest"
import { flatten } from "../src/JsonSchemaFlatten.ts"

describe("JsonSchemaFlatten.flatten", () => {
  it("folds keyword-only allOf members into their schema, nested ones first, and drops empty ones", () => {
    expect(
      flatten({
        type: "object",
        properties: {
          id: { type: "string", allOf: [{ pattern: "^prj_", maxLength: 28, description: "A project id." }] },
          email: { type: "string", allOf: [{ allOf: [{}], description: "An address." }] },
        },
      }),
    ).toEqual({
      type: "object",
      properties: {
        id: { type: "string", pattern: "^prj_", maxLength: 28, description: "A project id." },
        email: { type: "string", description: "An address." },
      },
    })
  })

  it("keeps members that collide, reference, or say more than one value's constraints", () => {
    const schema = {
      type: "string",
      pattern: "^a",
      allOf: [{ pattern: "b$" }, { $ref: "#/components/schemas/X" }, { properties: { a: { type: "string" } } }],
    }
    expect(flatten(schema)).toEqual(schema)
  })
})
