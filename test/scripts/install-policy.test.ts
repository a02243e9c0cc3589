import { describe, expect, it } from "vitest"
import { afterFrozenInstall, isCi } from "../../scripts/installPolicy.mjs"

/** What `npm start`/`npm test` (scripts/bootstrap.mjs) do when pnpm-lock.yaml and the manifests disagree. */

const outdated =
  'ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date with packages/rpc/package.json'

describe("installing the workspace", () => {
  it("in CI, a lockfile behind the manifests fails the run and says what to commit", () => {
    const next = afterFrozenInstall({ status: 1, stderr: outdated, env: { CI: "true" } })
    expect(next.kind).toBe("fail")
    expect(next.kind === "fail" && next.message).toMatch(/pnpm-lock\.yaml does not match the manifests/)
    expect(next.kind === "fail" && next.message).toMatch(/commit pnpm-lock\.yaml/)
  })

  it("on a developer's machine, the same mismatch is resolved afresh with a loud warning", () => {
    const next = afterFrozenInstall({ status: 1, stderr: outdated, env: {} })
    expect(next.kind).toBe("resolve")
    expect(next.kind === "resolve" && next.warning).toMatch(/WARNING.*CI would fail here/)
  })

  it("a failure that is not about the lockfile fails everywhere", () => {
    const network = "ERR_PNPM_META_FETCH_FAIL  GET https://registry.npmjs.org/effect: request to registry failed"
    expect(afterFrozenInstall({ status: 1, stderr: network, env: {} }).kind).toBe("fail")
    expect(afterFrozenInstall({ status: 1, stderr: network, env: { CI: "true" } }).kind).toBe("fail")
  })

  it("a lockfile that matches installs without a second pass, in CI or not", () => {
    expect(afterFrozenInstall({ status: 0, stderr: "", env: { CI: "true" } }).kind).toBe("done")
    expect(afterFrozenInstall({ status: 0, stderr: "", env: {} }).kind).toBe("done")
  })

  it("CI is on for any value CI services set, off when unset, empty, 0 or false", () => {
    expect([isCi({ CI: "true" }), isCi({ CI: "1" }), isCi({ CI: "TRUE" })]).toEqual([true, true, true])
    expect([isCi({}), isCi({ CI: "" }), isCi({ CI: "0" }), isCi({ CI: "false" })]).toEqual([false, false, false, false])
  })
})
