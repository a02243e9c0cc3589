import { describe, expect, it } from "@effect/vitest"
import { DesiredState, Ids } from "@starform/domain"
import { Result } from "effect"
import * as Fixtures from "../../packages/manifests/test/fixtures.ts"
import * as Document from "../src/Document.ts"

/** Opening the desired state's canonical bytes as they come from the projects service (or Shuttle's own cache). */

const clusterId = Ids.makeId(Ids.prefixes.cluster) as Ids.ClusterId

const sent = (version: number, environments: ReadonlyArray<DesiredState.EnvironmentState>): Document.Sent => {
  const document = DesiredState.serialize({ clusterId, environments })
  return { version, hash: DesiredState.hashOfBytes(document), document }
}

const failureOf = (result: Result.Result<Document.Opened, Document.Failure>) =>
  Result.isFailure(result) ? result.failure : expect.fail("the document was accepted")

describe("desired state document", () => {
  const ids = Fixtures.environmentIds()
  const api = Fixtures.service(ids)
  const jobs = Fixtures.service(ids, { name: "jobs", type: "worker" })

  it("opens intact bytes into the desired state they describe", () => {
    const opened = Document.open(sent(3, [Fixtures.environment(ids, [api, jobs])]), Document.emptyMemo)
    expect(Result.isSuccess(opened)).toBe(true)
    if (Result.isFailure(opened)) return
    expect(opened.success.state.version).toBe(3)
    expect(opened.success.state.clusterId).toBe(clusterId)
    expect(opened.success.state.environments[0]?.services.map((service) => service.name)).toEqual(["api", "jobs"])
  })

  it("refuses bytes altered in transit as DocumentCorrupt, naming the hash sent and the hash found", () => {
    const intact = sent(1, [Fixtures.environment(ids, [api])])
    const altered = { ...intact, document: intact.document.replace('"api"', '"evil"') }
    const failure = failureOf(Document.open(altered, Document.emptyMemo))
    expect(failure._tag).toBe("DocumentCorrupt")
    expect(failure.message).toContain(intact.hash)
    expect(failure.message).toContain(DesiredState.hashOfBytes(altered.document))
  })

  it("refuses intact bytes of a shape it cannot read as DocumentInvalid, naming the version", () => {
    const notJson = "{ not json"
    const broken = { version: 7, hash: DesiredState.hashOfBytes(notJson), document: notJson }
    const notJsonFailure = failureOf(Document.open(broken, Document.emptyMemo))
    expect(notJsonFailure._tag).toBe("DocumentInvalid")
    expect(notJsonFailure.message).toContain("version 7")

    const strange = JSON.stringify({ clusterId, environments: [{ name: "production" }] })
    const unreadable = { version: 8, hash: DesiredState.hashOfBytes(strange), document: strange }
    const shapeFailure = failureOf(Document.open(unreadable, Document.emptyMemo))
    expect(shapeFailure._tag).toBe("DocumentInvalid")
    expect(shapeFailure.message).toContain("environment 1")
  })

  it("keeps the very objects decoded before for services whose bytes did not change", () => {
    const first = Document.open(sent(1, [Fixtures.environment(ids, [api, jobs])]), Document.emptyMemo)
    if (Result.isFailure(first)) return expect.fail(first.failure.message)
    const changedJobs = { ...jobs, release: Fixtures.release(2) }
    const second = Document.open(sent(2, [Fixtures.environment(ids, [api, changedJobs])]), first.success.memo)
    if (Result.isFailure(second)) return expect.fail(second.failure.message)
    const [before, after] = [first, second].map((opened) => opened.success.state.environments[0]!.services)
    expect(after![0]).toBe(before![0])
    expect(after![1]).not.toBe(before![1])
    expect(after![1]?.release.number).toBe(2)
  })
})
