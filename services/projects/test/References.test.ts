// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the reference syntax under test looks like a template placeholder
import { describe, expect, it } from "@effect/vitest"
import { Precedence, References } from "@starform/projects"

const service = (
  name: string,
  variables: Record<string, string>,
  shared: Record<string, string> = {},
): References.ServiceVariables => ({
  name,
  variables: new Map(Object.entries({ ...shared, ...variables })),
  shared: new Map(Object.entries(shared)),
})

const resolved = (name: string, services: ReadonlyArray<References.ServiceVariables>) => {
  const outcome = References.resolveService(name, services)
  if (outcome._tag !== "Resolved") throw new Error(outcome.message)
  return Object.fromEntries(outcome.variables)
}

const problem = (name: string, services: ReadonlyArray<References.ServiceVariables>) => {
  const outcome = References.resolveService(name, services)
  if (outcome._tag === "Resolved") throw new Error("expected the references to be refused")
  return { problem: outcome.problem, path: outcome.path, message: outcome.message }
}

describe("reference variables", () => {
  it("resolve one variable alone, whatever its service's other variables refer to", () => {
    const db = service("db", { HOST: "db.internal" })
    const api = service("api", { URL: "postgres://${{ db.HOST }}", BROKEN: "${{ db.MISSING }}" })
    expect(References.resolveKey("api", "URL", [db, api])).toEqual({
      _tag: "Resolved",
      value: "postgres://db.internal",
    })
    expect(References.resolveKey("api", "BROKEN", [db, api])).toMatchObject({
      _tag: "Unresolvable",
      problem: "unknown-variable",
      path: ["api.BROKEN", "db.MISSING"],
    })
    expect(References.resolveKey("api", "ABSENT", [db, api])).toMatchObject({ problem: "unknown-variable" })
  })

  it("substitute another service's resolved variable and the shared group value, at any depth", () => {
    const db = service("db", { HOST: "db.internal", URL: "postgres://${{ db.HOST }}:5432/app" })
    const api = service(
      "api",
      { DATABASE_URL: "${{ db.URL }}?region=${{shared.REGION}}", REGION: "local-override" },
      { REGION: "nyc3" },
    )
    expect(resolved("api", [db, api])).toEqual({
      DATABASE_URL: "postgres://db.internal:5432/app?region=nyc3",
      REGION: "local-override",
    })
  })

  it("refuse a self-reference, naming the variable", () => {
    const api = service("api", { A: "x-${{ api.A }}" })
    expect(problem("api", [api])).toEqual({
      problem: "cycle",
      path: ["api.A", "api.A"],
      message: "api.A refers to itself",
    })
  })

  it("refuse a cycle across services with the path of the cycle", () => {
    const api = service("api", { URL: "${{ worker.CALLBACK }}" })
    const worker = service("worker", { CALLBACK: "${{ web.ORIGIN }}/hook" })
    const web = service("web", { ORIGIN: "${{ api.URL }}" })
    expect(problem("api", [api, worker, web])).toMatchObject({
      problem: "cycle",
      path: ["api.URL", "worker.CALLBACK", "web.ORIGIN", "api.URL"],
      message: "references form a cycle: api.URL → worker.CALLBACK → web.ORIGIN → api.URL",
    })
  })

  it("refuse a reference to a service that does not exist, or a variable that is not set", () => {
    const api = service("api", { DATABASE_URL: "${{ postgres.URL }}" })
    expect(problem("api", [api])).toMatchObject({
      problem: "unknown-service",
      path: ["api.DATABASE_URL", "postgres.URL"],
    })
    expect(problem("api", [api]).message).toContain("service postgres, which does not exist")

    const web = service("web", { REGION: "${{ shared.REGION }}" })
    expect(problem("web", [web])).toMatchObject({ problem: "unknown-variable", path: ["web.REGION", "shared.REGION"] })
  })

  it("leave values without references, and text that only looks similar, as they are", () => {
    const api = service("api", { A: "${ not.a.reference }", B: "{{ x.Y }}", C: "plain" })
    expect(resolved("api", [api])).toEqual({ A: "${ not.a.reference }", B: "{{ x.Y }}", C: "plain" })
  })
})

describe("variable precedence", () => {
  it("service variables beat groups, later-linked groups beat earlier ones, an environment's override beats the default", () => {
    const merged = Precedence.merge(
      [
        {
          position: 1,
          defaults: new Map([
            ["REGION", "ams3"],
            ["LOG", "info"],
          ]),
          overrides: new Map(),
        },
        {
          position: 0,
          defaults: new Map([
            ["REGION", "nyc3"],
            ["TIMEOUT", "5"],
            ["LOG", "debug"],
          ]),
          overrides: new Map([["TIMEOUT", "30"]]),
        },
      ],
      new Map([["LOG", "warn"]]),
    )
    expect(Object.fromEntries(merged.variables)).toEqual({ REGION: "ams3", TIMEOUT: "30", LOG: "warn" })
    expect(Object.fromEntries(merged.shared)).toEqual({ REGION: "ams3", TIMEOUT: "30", LOG: "info" })
  })
})
