import { describe, expect, it } from "@effect/vitest"
import { PublicApi, RequestBodies, Rules, Violations } from "@starform/domain"
import { Context, Result, Schema, type SchemaAST } from "effect"
import { HttpApi, type HttpApiEndpoint, OpenApi } from "effect/http-api"

/**
 * The contract's promises about input, checked over every endpoint so that a field added later keeps them: every text
 * a request can carry refuses NUL, unknown body fields are refused and documented as such, and a body whose fields
 * are all optional may be left out, in the behaviour and in the document alike.
 */

const endpoints: Array<HttpApiEndpoint.Top> = []
HttpApi.reflect(PublicApi.Api, { onGroup: () => {}, onEndpoint: ({ endpoint }) => endpoints.push(endpoint) })

const refusesNul = (checks: SchemaAST.Checks | undefined): boolean =>
  (checks ?? []).some((check) => check === Rules.noNul || (check._tag === "FilterGroup" && refusesNul(check.checks)))

/** Every string a decoded request holds, by where it is, with whether it refuses NUL. */
const strings = (ast: SchemaAST.AST, path: string, out: Map<string, boolean>, seen = new Set<SchemaAST.AST>()) => {
  if (seen.has(ast)) return out
  seen.add(ast)
  switch (ast._tag) {
    case "String":
      out.set(path, refusesNul(ast.checks))
      break
    case "Objects":
      for (const property of ast.propertySignatures)
        strings(property.type, `${path}.${String(property.name)}`, out, seen)
      for (const index of ast.indexSignatures) {
        strings(index.parameter, `${path}{key}`, out, seen)
        strings(index.type, `${path}{value}`, out, seen)
      }
      break
    case "Arrays":
      for (const element of [...ast.elements, ...ast.rest]) strings(element, `${path}[]`, out, seen)
      break
    case "Union":
      for (const member of ast.types) strings(member, path, out, seen)
      break
    case "Suspend":
      strings(ast.thunk(), path, out, seen)
      break
    case "Declaration":
      // A class: its fields are on the side it is decoded from. (Other declarations, e.g. a date decoded from a
      // string, parse their text into something else: a NUL cannot get through them.)
      for (const link of ast.encoding ?? []) if (link.to._tag === "Objects") strings(link.to, path, out, seen)
      break
    default:
  }
  return out
}

const inputs = (endpoint: HttpApiEndpoint.Top) => {
  const out = new Map<string, boolean>()
  for (const [, { schemas }] of endpoint.payload) for (const schema of schemas) strings(schema.ast, "body", out)
  if (endpoint.params !== undefined) strings(endpoint.params.ast, "params", out)
  if (endpoint.query !== undefined) strings(endpoint.query.ast, "query", out)
  return out
}

const methods = ["get", "post", "put", "patch", "delete"] as const

/** Every operation of the served document. */
const operations = () => {
  const spec = OpenApi.fromApi(PublicApi.Api)
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    methods.flatMap((method) => {
      const operation = item[method]
      return operation === undefined ? [] : [{ path, method, operation }]
    }),
  )
}

describe("request input", () => {
  it("every text a request carries (body, path, query) refuses NUL", () => {
    const lacking = endpoints.flatMap((endpoint) =>
      [...inputs(endpoint)]
        .filter(([, refuses]) => !refuses)
        .map(([path]) => `${endpoint.method} ${endpoint.path} ${path}`),
    )
    expect(lacking).toEqual([])
    // and the walk does see them: far more than a handful of text fields
    expect(endpoints.reduce((sum, endpoint) => sum + inputs(endpoint).size, 0)).toBeGreaterThan(50)
  })

  it("a NUL is reported as its own rule, before the field's other rules", () => {
    const result = Schema.decodeUnknownResult(Rules.text(5))("a\u0000 too long")
    if (Result.isSuccess(result)) throw new Error("a NUL was accepted")
    expect(Violations.fromIssue(result.failure.issue)).toEqual([
      { path: [], message: "must not contain the NUL character (\\u0000)", rule: Rules.noNulRule },
    ])
  })

  it("unknown body fields are refused, as the document's additionalProperties: false says", () => {
    const options = Context.getOrUndefined(PublicApi.Api.annotations, HttpApi.PayloadParseOptions)
    expect(options?.onExcessProperty).toBe("error")
    const bodies = operations().flatMap(({ operation }) =>
      operation.requestBody === undefined ? [] : [operation.requestBody],
    )
    expect(bodies.length).toBeGreaterThan(30)
    expect(JSON.stringify(bodies)).not.toContain('"additionalProperties":true')
  })

  it("the seven bodies whose fields are all optional may be left out, and the document says so", () => {
    const optional = operations()
      .filter(({ operation }) => operation.requestBody !== undefined && operation.requestBody.required !== true)
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`)
    expect(optional.sort()).toEqual([
      "DELETE /v1/me",
      "PATCH /v1/environments/{environmentId}",
      "PATCH /v1/projects/{projectId}",
      "PATCH /v1/services/{serviceId}",
      "PATCH /v1/var-groups/{varGroupId}",
      "PATCH /v1/workspaces/{workspaceId}",
      "POST /v1/services/{serviceId}/deployments",
    ])
    // the body's own schema, not "it or null"
    const update = operations().find(({ method, path }) => method === "patch" && path === "/v1/projects/{projectId}")
    expect(update?.operation.requestBody?.content["application/json"]?.schema).not.toHaveProperty("anyOf")
  })

  it("an optional body decodes no body as the empty request, and still refuses a wrong one", () => {
    const body = Schema.Union(RequestBodies.optional(Schema.Struct({ name: Schema.optionalKey(Schema.String) })))
    const decode = Schema.decodeUnknownSync(body, { onExcessProperty: "error" })
    expect(decode(null)).toEqual({})
    expect(decode({ name: "x" })).toEqual({ name: "x" })
    expect(() => decode({ nme: "x" })).toThrow()
    expect(() => RequestBodies.optional(Schema.Struct({ name: Schema.String }))).toThrow()
  })
})
