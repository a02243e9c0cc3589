import { describe, expect, it } from "@effect/vitest"
import { Ids } from "@starform/domain"
import { Result, Schema } from "effect"

const refusal = (input: unknown): string | undefined => {
  const result = Schema.decodeUnknownResult(Ids.ProjectId)(input)
  return Result.isFailure(result) ? result.failure.message : undefined
}

const rule = "must be a project id: prj_ followed by 24 characters of 0-9 and a-z"

describe("id schemas", () => {
  it("refuse an id of another entity", () => {
    expect(refusal(Ids.makeId("svc"))).toBe(rule)
  })

  it("refuse the wrong length", () => {
    const id = Ids.makeId("prj")
    expect(refusal(id.slice(0, -1))).toBe(rule)
    expect(refusal(`${id}0`)).toBe(rule)
  })

  it("refuse upper case, in the prefix or the rest", () => {
    const id = Ids.makeId("prj")
    expect(refusal(id.toUpperCase())).toBe(rule)
    expect(refusal(`prj_${id.slice(4).toUpperCase()}`)).toBe(rule)
  })

  it("refuse separators and look-alikes", () => {
    expect(refusal(`prj-${"a".repeat(24)}`)).toBe(rule)
    expect(refusal(`prj_${"а".repeat(24)}`)).toBe(rule) // Cyrillic а
  })

  it("name the entity in the message", () => {
    const result = Schema.decodeUnknownResult(Ids.UsageRecordId)("usr_x")
    expect(Result.isFailure(result) && result.failure.message).toBe(
      "must be a usage record id: usg_ followed by 24 characters of 0-9 and a-z",
    )
  })

  it("have one prefix per entity", () => {
    const all = Object.values(Ids.prefixes)
    expect(new Set(all).size).toBe(all.length)
  })
})

describe("makeId", () => {
  it("makes ids that decode, for every entity", () => {
    const schemas: { readonly [E in Ids.Entity]: Schema.Codec<unknown, string> } = {
      user: Ids.UserId,
      session: Ids.SessionId,
      workspace: Ids.WorkspaceId,
      project: Ids.ProjectId,
      environment: Ids.EnvironmentId,
      service: Ids.ServiceId,
      deployment: Ids.DeploymentId,
      build: Ids.BuildId,
      sourceUpload: Ids.SourceUploadId,
      region: Ids.RegionId,
      cluster: Ids.ClusterId,
      billingCustomer: Ids.BillingCustomerId,
      subscription: Ids.SubscriptionId,
      invoice: Ids.InvoiceId,
      usageRecord: Ids.UsageRecordId,
      varGroup: Ids.VarGroupId,
      varGroupEntry: Ids.VarGroupEntryId,
      serviceVariable: Ids.ServiceVariableId,
      githubInstallation: Ids.GithubInstallationId,
      webhookDelivery: Ids.WebhookDeliveryId,
      bucket: Ids.BucketId,
      volume: Ids.VolumeId,
      domain: Ids.DomainId,
      database: Ids.DatabaseId,
      cloudCredential: Ids.CloudCredentialId,
      apiToken: Ids.ApiTokenId,
      auditEntry: Ids.AuditEntryId,
    }
    for (const entity of Object.keys(Ids.prefixes) as Array<Ids.Entity>) {
      for (let i = 0; i < 200; i++) {
        const id = Ids.makeId(Ids.prefixes[entity])
        expect(Schema.is(schemas[entity])(id)).toBe(true)
        expect(Schema.is(schemas[entity])(Ids.newId(entity))).toBe(true)
      }
    }
  })

  it("never repeats itself over 10,000 ids", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => Ids.makeId("dep")))
    expect(ids.size).toBe(10_000)
  })

  it("sorts ids made in a later millisecond after earlier ones", async () => {
    const earlier = Array.from({ length: 100 }, () => Ids.makeId("dep"))
    const started = Date.now()
    while (Date.now() === started) await new Promise((resolve) => setTimeout(resolve, 1))
    const later = Array.from({ length: 100 }, () => Ids.makeId("dep"))
    for (const a of earlier) for (const b of later) expect(a < b).toBe(true)
  })

  it("encodes the creation time in its first 9 characters", () => {
    const before = Date.now()
    const id = Ids.makeId("bld")
    const after = Date.now()
    const time = Number.parseInt(id.slice(4, 13), 36)
    expect(time).toBeGreaterThanOrEqual(before)
    expect(time).toBeLessThanOrEqual(after)
  })
})
