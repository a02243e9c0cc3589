import { decodeProtectedHeader } from "jose"
import { describe, expect, it } from "vitest"
import type { JsonObject } from "../src/Json.ts"
import type { KObject } from "../src/Objects.ts"
import { authenticate } from "../src/security/Authentication.ts"
import { Tokens } from "../src/security/Tokens.ts"

/** ServiceAccount tokens: what this cluster signed, for its audience, in date, for an account that still exists. */

const account: KObject = {
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: { name: "app", namespace: "team", uid: "11111111-2222-3333-4444-555555555555" },
}
const now = Date.UTC(2026, 0, 1)

const issue = async (tokens: Tokens, spec: JsonObject = {}) => {
  const answer = await tokens.request(account, { spec }, now)
  return (answer.status as { token: string }).token
}

describe("ServiceAccount tokens", () => {
  it("verify only when this cluster signed them, for the API audience, before they expire", async () => {
    const tokens = await Tokens.make()
    const token = await issue(tokens)
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "ES256", kid: expect.any(String) })
    expect(await tokens.verify(token, now + 1000)).toMatchObject({
      namespace: "team",
      name: "app",
      uid: account.metadata.uid,
    })
    expect(await tokens.verify(token, now + 3_601_000)).toBeUndefined()
    expect(await (await Tokens.make()).verify(token, now)).toBeUndefined()
    expect(await tokens.verify(await issue(tokens, { audiences: ["vault"] }), now)).toBeUndefined()
  })

  it("authenticate as the ServiceAccount only while it (and a bound pod) exists with the same uid", async () => {
    const tokens = await Tokens.make()
    const token = await issue(tokens)
    const context = (stored: KObject | undefined) => ({
      tokens,
      serviceAccount: () => stored,
      pod: () => undefined,
      now: () => now,
    })
    expect(await authenticate(`Bearer ${token}`, context(account))).toMatchObject({
      username: "system:serviceaccount:team:app",
      uid: account.metadata.uid,
      groups: ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"],
    })
    await expect(authenticate(`Bearer ${token}`, context(undefined))).rejects.toMatchObject({ code: 401 })
    const replaced = { ...account, metadata: { ...account.metadata, uid: "another" } }
    await expect(authenticate(`Bearer ${token}`, context(replaced))).rejects.toMatchObject({ code: 401 })
    const bound = await issue(tokens, {
      boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "app-1", uid: "pod-uid" },
    })
    await expect(authenticate(`Bearer ${bound}`, context(account))).rejects.toMatchObject({ code: 401 })
    expect(await authenticate(undefined, context(account))).toMatchObject({ username: "system:anonymous" })
    expect(await authenticate("Basic dXNlcjpwYXNz", context(account))).toMatchObject({ username: "system:anonymous" })
  })
})
