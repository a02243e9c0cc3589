import { describe, expect, it } from "@effect/vitest"
import { Hostnames } from "@starform/projects"

const serviceId = "svc_k3v9x2abcdefghijklmnopqr"

describe("generated hostnames", () => {
  it("are <name>-<short id>.<base> in the first environment and <name>-<env>-<short id>.<base> elsewhere", () => {
    expect(Hostnames.generated({ serviceName: "api", environmentName: null, serviceId, base: "starform.app" })).toBe(
      "api-k3v9x2.starform.app",
    )
    expect(
      Hostnames.generated({ serviceName: "api", environmentName: "staging", serviceId, base: "starform.app" }),
    ).toBe("api-staging-k3v9x2.starform.app")
  })

  it("fit one DNS label however long the names are, and never end a label with a hyphen", () => {
    const hostname = Hostnames.generated({
      serviceName: `${"a".repeat(50)}-b`,
      environmentName: "x".repeat(30),
      serviceId,
      base: "starform.app",
    })
    const [label] = hostname.split(".")
    expect(label!.length).toBeLessThanOrEqual(63)
    expect(label).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    expect(label!.endsWith("-k3v9x2")).toBe(true)
    expect(label).not.toContain("--")
  })

  it("leave out an offensive or brand-like name and keep the unique suffix", () => {
    for (const serviceName of ["shit", "fuckery", "starform-login"])
      expect(Hostnames.generated({ serviceName, environmentName: null, serviceId, base: "starform.app" })).toBe(
        "app-k3v9x2.starform.app",
      )
  })
})

describe("a subdomain a person picks", () => {
  it("is accepted when it is a free-form DNS label of 3 to 63 characters", () => {
    expect(Hostnames.checkSubdomain("shop")).toEqual([])
    expect(Hostnames.checkSubdomain("my-shop-2")).toEqual([])
    // words that merely contain a refused one stay allowed
    expect(Hostnames.checkSubdomain("scrapers")).toEqual([])
    expect(Hostnames.checkSubdomain("analytics")).toEqual([])
    expect(Hostnames.checkSubdomain("spicy-food")).toEqual([])
  })

  it("is refused, naming the rule, when malformed, reserved or offensive", () => {
    const rule = (subdomain: string) => Hostnames.checkSubdomain(subdomain).map((violation) => violation.rule)
    for (const bad of ["ab", "-shop", "shop-", "Shop", "sh_op", "a.b", "xn--shop", "a".repeat(64)])
      expect(rule(bad), bad).toEqual(["dns-label"])
    for (const taken of ["www", "api", "admin", "status", "starform", "starform-billing", "starformpay"])
      expect(rule(taken), taken).toEqual(["reserved"])
    for (const rude of ["fuck-you", "shit", "my-porn", "sh1t"]) expect(rule(rude), rude).toEqual(["offensive"])
    expect(Hostnames.checkSubdomain("www")[0]!.path).toEqual(["subdomain"])
  })
})

describe("why a service has no domain", () => {
  it("names workers, cron jobs and private web services; a public web service has none to give", () => {
    expect(Hostnames.reasonFor({ type: "worker", isPublic: false })).toMatch(/worker takes no HTTP traffic/)
    expect(Hostnames.reasonFor({ type: "cron", isPublic: false })).toMatch(/cron job takes no HTTP traffic/)
    expect(Hostnames.reasonFor({ type: "web", isPublic: false })).toMatch(/private.*isPublic: true/)
    expect(Hostnames.reasonFor({ type: "web", isPublic: true })).toBeNull()
  })
})
