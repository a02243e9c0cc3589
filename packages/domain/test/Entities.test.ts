import { describe, expect, it } from "@effect/vitest"
import { Billing, Identity, Ids, Projects, Violations } from "@starform/domain"
import { BigDecimal, DateTime, Result, Schema } from "effect"

const now = new Date("2026-05-01T12:00:00.000Z")

/** A `services` row as the database returns it (camelCased), for a public web service built from a repository. */
const serviceRow = {
  id: Ids.makeId("svc"),
  projectId: Ids.makeId("prj"),
  environmentId: Ids.makeId("env"),
  name: "api",
  type: "web",
  sourceType: "repo",
  repoFullName: "acme/api",
  branch: "main",
  rootDirectory: "/",
  githubInstallationId: null,
  imageRef: null,
  port: 8080,
  cronSchedule: null,
  isPublic: true,
  autoDeploy: true,
  autoDeployDisabledReason: null,
  config: { replicas: 2 },
  createdAt: now,
  updatedAt: now,
}

const violations = (input: unknown) => {
  const result = Schema.decodeUnknownResult(Projects.Service)(input, { errors: "all" })
  return Result.isFailure(result) ? Violations.fromIssue(result.failure.issue) : []
}

describe("services", () => {
  it("decode from a row, timestamps becoming UTC date-times", () => {
    const service = Schema.decodeUnknownSync(Projects.Service)(serviceRow)
    expect(service).toBeInstanceOf(Projects.Service)
    expect(DateTime.toDateUtc(service.createdAt)).toEqual(now)
  })

  it("a web service needs a port, and only it may be public", () => {
    expect(violations({ ...serviceRow, port: null })).toEqual([
      { path: ["port"], message: "a web service needs a port", rule: "service-shape" },
    ])
    expect(violations({ ...serviceRow, type: "worker" })).toEqual([
      { path: ["port"], message: "only a web service listens on a port", rule: "service-shape" },
      { path: ["isPublic"], message: "only a web service can be public", rule: "service-shape" },
    ])
  })

  it("a cron service needs a schedule in cron's syntax", () => {
    const cron = { ...serviceRow, type: "cron", port: null, isPublic: false }
    expect(violations(cron)).toEqual([
      { path: ["cronSchedule"], message: "a cron service needs a schedule", rule: "service-shape" },
    ])
    expect(violations({ ...cron, cronSchedule: "*/5 * * * *" })).toEqual([])
    expect(violations({ ...cron, cronSchedule: "@daily" })).toEqual([])
    expect(violations({ ...cron, cronSchedule: "every day" })[0]?.rule).toBe("cron-schedule")
  })

  it("the source decides what must be named", () => {
    expect(violations({ ...serviceRow, repoFullName: null, branch: null })).toEqual([
      {
        path: ["repoFullName"],
        message: "a service built from a repository needs the repository",
        rule: "service-shape",
      },
      { path: ["branch"], message: "a service built from a repository needs a branch", rule: "service-shape" },
    ])
    expect(violations({ ...serviceRow, sourceType: "image" })).toEqual([
      { path: ["imageRef"], message: "a service run from an image needs the image reference", rule: "service-shape" },
    ])
  })

  it("refuse an unknown type with the list of known ones", () => {
    expect(violations({ ...serviceRow, type: "lambda" })).toEqual([
      { path: ["type"], message: "must be one of: web, worker, cron", rule: "one-of" },
    ])
  })
})

describe("entities are what the API may show", () => {
  it("drop secret columns when decoding a row", () => {
    const user = Schema.decodeUnknownSync(Identity.User)({
      id: Ids.makeId("usr"),
      email: "Ada@Example.com",
      name: "Ada",
      passwordHash: "$argon2id$secret",
      totpSecretCiphertext: "enc:v1:0000000000000000:AAAAAAAAAAAAAAAA:c2VjcmV0",
      emailVerifiedAt: null,
      mfaEnabledAt: null,
      status: "active",
      deletedAt: null,
      createdAt: now,
      updatedAt: now,
    })
    expect(Object.keys(user)).not.toContain("passwordHash")
    expect(Object.keys(user)).not.toContain("totpSecretCiphertext")
    expect(user.email).toBe("ada@example.com")
  })

  it("encode to JSON with ISO timestamps, and money and quantities as exact strings", () => {
    const invoice = Schema.decodeUnknownSync(Billing.Invoice)({
      id: Ids.makeId("inv"),
      workspaceId: Ids.makeId("wsp"),
      customerId: Ids.makeId("cus"),
      stripeInvoiceId: "in_123",
      status: "open",
      currency: "usd",
      amountDueCents: 9_007_199_254_740_993n,
      amountPaidCents: 0n,
      periodStart: now,
      periodEnd: now,
      hostedInvoiceUrl: null,
      createdAt: now,
      updatedAt: now,
    })
    const json = Schema.encodeSync(Schema.toCodecJson(Billing.Invoice))(invoice)
    expect(json).toMatchObject({ amountDueCents: "9007199254740993", periodStart: "2026-05-01T12:00:00.000Z" })

    const usage = Schema.decodeUnknownSync(Billing.UsageRecord)({
      id: Ids.makeId("usg"),
      workspaceId: Ids.makeId("wsp"),
      projectId: null,
      environmentId: null,
      serviceId: null,
      metric: "cpu_seconds",
      quantity: "3600.125",
      periodStart: now,
      periodEnd: now,
      reportedAt: null,
      createdAt: now,
      updatedAt: now,
    })
    expect(BigDecimal.format(usage.quantity)).toBe("3600.125")
    expect(Schema.encodeSync(Schema.toCodecJson(Billing.UsageRecord))(usage)).toMatchObject({ quantity: "3600.125" })
  })

  it("refuse negative money", () => {
    const result = Schema.decodeUnknownResult(Billing.Invoice.fields.amountDueCents)(-1n)
    expect(Result.isFailure(result) && result.failure.message).toBe("must be a whole, non-negative number of cents")
  })
})
